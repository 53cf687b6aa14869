/**
 * Putting the new version on the idle slot's Deployment: set the image of the named (or
 * only) container, make sure the slot label is on the pods, match the active slot's
 * replicas, or create the Deployment from the active one when it does not exist yet; then
 * wait for the rollout as `kubectl rollout status` would.
 */
import {
  ConcurrentEditError,
  PreflightError,
  RolloutFailedError,
  RolloutTimeoutError,
  type ObjectRef,
  describeRef,
} from '../errors.js';
import { objectRefOf } from '../kube/object-ref.js';
import type { DeploymentApi } from '../kube/resource-apis.js';
import type { Container, Deployment } from '../kube/kube-types.js';
import type { RolloutStatus } from '../kube/deployment-rollout.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { Clock } from './clock.js';
import type { Slot } from './state-record.js';

/** The container whose image deploy sets; throws PreflightError when it is ambiguous or missing. */
export function targetContainer(deployment: Deployment, wanted: string | undefined): Container {
  const containers = deployment.spec.template.spec?.containers ?? [];
  const ref: ObjectRef = {
    kind: 'Deployment',
    namespace: deployment.metadata.namespace,
    name: deployment.metadata.name,
  };
  if (wanted !== undefined) {
    const found = containers.find((c) => c.name === wanted);
    if (!found) {
      throw new PreflightError([
        {
          object: ref,
          message: `has no container "${wanted}" (containers: ${containers.map((c) => c.name).join(', ') || 'none'})`,
        },
      ]);
    }
    return found;
  }
  if (containers.length !== 1) {
    throw new PreflightError([
      {
        object: ref,
        message: `has ${containers.length} containers (${containers.map((c) => c.name).join(', ')}); name the one to update with --container`,
      },
    ]);
  }
  return containers[0] as Container;
}

/** The candidate Deployment as it should be, from its current state or from the active slot's. */
export function desiredCandidate(options: {
  spec: ResolvedReleaseSpec;
  candidate: Slot;
  image: string;
  active: Deployment;
  existing: Deployment | undefined;
}): { deployment: Deployment; created: boolean } {
  const { spec, candidate, image, active, existing } = options;
  const slot = spec.target.slots[candidate];
  const label = spec.target.slotLabel;
  const replicas = active.spec.replicas ?? 1;
  const containerName = targetContainer(existing ?? active, spec.target.container).name;
  const withImage = (containers: Container[]): Container[] =>
    containers.map((c) => (c.name === containerName ? { ...c, image } : c));

  if (existing) {
    const template = structuredClone(existing.spec.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [label]: slot.labelValue },
    };
    template.spec = { ...template.spec, containers: withImage(template.spec?.containers ?? []) };
    return {
      deployment: { ...existing, spec: { ...existing.spec, replicas, template } },
      created: false,
    };
  }
  const source = structuredClone(active);
  const labels = { ...(source.metadata.labels ?? {}), [label]: slot.labelValue };
  const template = source.spec.template;
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [label]: slot.labelValue },
  };
  template.spec = { ...template.spec, containers: withImage(template.spec?.containers ?? []) };
  return {
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: slot.deployment,
        namespace: spec.namespace,
        labels,
        ...(source.metadata.annotations
          ? {
              annotations: Object.fromEntries(
                // Revision bookkeeping belongs to the source Deployment, not to a new one.
                Object.entries(source.metadata.annotations).filter(
                  ([key]) =>
                    !key.startsWith('deployment.kubernetes.io/') &&
                    key !== 'kubectl.kubernetes.io/last-applied-configuration',
                ),
              ),
            }
          : {}),
      },
      spec: {
        ...source.spec,
        replicas,
        selector: {
          ...source.spec.selector,
          matchLabels: { ...(source.spec.selector?.matchLabels ?? {}), [label]: slot.labelValue },
        },
        template,
      },
    },
    created: true,
  };
}

/** Applies the candidate Deployment (replace guarded by resourceVersion, or create). */
export async function applyCandidate(
  api: DeploymentApi,
  desired: { deployment: Deployment; created: boolean },
  signal?: AbortSignal,
): Promise<Deployment> {
  if (desired.created) return api.create(desired.deployment, { signal });
  try {
    return await api.replace(desired.deployment, { signal });
  } catch (error) {
    if (error instanceof ConcurrentEditError) {
      throw new ConcurrentEditError(
        `${describeRef(objectRefOf(desired.deployment, 'Deployment'))} was changed by someone else while switchyard updated it; nothing was overwritten`,
        {
          statusCode: error.statusCode,
          reason: error.reason,
          verb: 'update',
          object: error.object,
        },
        { cause: error },
      );
    }
    throw error;
  }
}

/** Waits for a Deployment's rollout; throws RolloutTimeoutError or RolloutFailedError. */
export async function waitForRollout(options: {
  api: DeploymentApi;
  clock: Clock;
  namespace: string;
  name: string;
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
  onProgress?: (status: RolloutStatus) => void;
}): Promise<RolloutStatus> {
  const { api, clock, namespace, name, timeoutMs, signal } = options;
  const ref: ObjectRef = { kind: 'Deployment', namespace, name };
  const started = clock.now();
  let last: RolloutStatus | undefined;
  for (;;) {
    const status = await api.rolloutStatus(namespace, name, { signal });
    if (!status)
      throw new RolloutFailedError(
        ref,
        'NotFound',
        'the Deployment disappeared during its rollout',
      );
    if (!last || last.summary !== status.summary) options.onProgress?.(status);
    last = status;
    if (status.state === 'complete') return status;
    if (status.state === 'failed') {
      throw new RolloutFailedError(
        ref,
        status.reason ?? 'Failed',
        status.message ?? status.summary,
      );
    }
    if (clock.now() - started >= timeoutMs)
      throw new RolloutTimeoutError(ref, timeoutMs, status.summary);
    await clock.sleep(
      Math.min(options.pollMs ?? 500, Math.max(1, timeoutMs - (clock.now() - started))),
      signal,
    );
  }
}
