/**
 * Who holds the release lock. A pipeline that is re-run after a crash must present the
 * same identity so it can resume at once instead of waiting for its own lease to expire;
 * CI systems' run ids give exactly that. Outside CI, host and process id.
 */
import { hostname } from 'node:os';

/** Environment variables that identify a pipeline run, in order of preference. */
const PIPELINE_IDS: readonly (readonly [prefix: string, variables: readonly string[]])[] = [
  ['github', ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID']],
  ['gitlab', ['CI_PROJECT_PATH', 'CI_PIPELINE_ID']],
  ['tekton', ['TEKTON_PIPELINE_RUN']],
  ['argo', ['ARGO_WORKFLOW_NAME']],
  ['jenkins', ['BUILD_TAG']],
  ['buildkite', ['BUILDKITE_BUILD_ID']],
  ['circleci', ['CIRCLE_WORKFLOW_ID']],
];

/**
 * The holder identity: `explicit` when given, else `SWITCHYARD_HOLDER`, else a CI pipeline
 * run id, else `<hostname>-<pid>`.
 */
export function defaultHolderIdentity(
  env: NodeJS.ProcessEnv = process.env,
  explicit?: string,
): string {
  if (explicit) return explicit;
  if (env.SWITCHYARD_HOLDER) return env.SWITCHYARD_HOLDER;
  for (const [prefix, variables] of PIPELINE_IDS) {
    const values = variables.map((name) => env[name]);
    if (values.every((value) => value !== undefined && value !== '')) {
      return `${prefix}:${values.join('/')}`;
    }
  }
  return `${hostname()}-${process.pid}`;
}
