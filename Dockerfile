# syntax=docker/dockerfile:1
# switchyard for pipelines that run their steps in containers (Tekton, Argo Workflows,
# GitLab CI, GitHub Actions container jobs): Node 20 with `switchyard` and
# `kubectl-switchyard` on PATH, production dependencies only, running as a non-root user.
#
#   docker build -t registry.example.com/platform/switchyard:0.1.0 .
#   docker run --rm -v "$HOME/.kube/config:/home/node/.kube/config:ro" \
#     registry.example.com/platform/switchyard:0.1.0 switchyard status reviews -n bookinfo
#
# In a pod it uses the pod's ServiceAccount (deploy/rbac). No ENTRYPOINT: CI systems run
# their own shell in the image; the default command prints the help.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build: the whole workspace with its dev dependencies, compiled and packed.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN npx -y pnpm@10 install --frozen-lockfile \
  && node node_modules/typescript/bin/tsc -b \
  && node scripts/build-help-cache.mjs \
  && node scripts/pack-packages.mjs /packs

# Runtime: the packed core and CLI and their production dependencies, nothing else. The
# simulator (an optional peer of the CLI, for `switchyard sim` and `demo`) stays out.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
COPY --from=build /packs /tmp/packs
RUN npm install --global --omit=dev --no-audit --no-fund \
    /tmp/packs/switchyard-core-*.tgz /tmp/packs/switchyard-cli-*.tgz \
  && rm -rf /tmp/packs /root/.npm
# The base image's `node` user, by number so that runAsNonRoot can verify it.
USER 1000:1000
WORKDIR /home/node
CMD ["switchyard", "--help"]
