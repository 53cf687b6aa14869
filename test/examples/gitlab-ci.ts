/**
 * Just enough of GitLab CI to check a pipeline's structure and run its jobs: variables
 * (YAML, then project CI/CD variables, which override them), `script` lines run in one bash
 * with errexit and pipefail as the runner does, dotenv reports passed to jobs that `need`
 * them, `allow_failure:exit_codes` and `retry:exit_codes` (immediate re-runs, up to `max`).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runScript, templatesIn, type Checkout, type ScriptResult } from './ci-harness.js';

const GLOBAL_KEYWORDS = [
  'default',
  'include',
  'stages',
  'variables',
  'workflow',
  'image',
  'services',
  'cache',
  'before_script',
  'after_script',
];
const JOB_KEYS = [
  'stage',
  'script',
  'before_script',
  'after_script',
  'image',
  'services',
  'variables',
  'rules',
  'when',
  'needs',
  'dependencies',
  'allow_failure',
  'retry',
  'artifacts',
  'cache',
  'environment',
  'resource_group',
  'timeout',
  'tags',
  'interruptible',
  'extends',
  'parallel',
  'trigger',
  'coverage',
  'release',
  'id_tokens',
  'secrets',
  'only',
  'except',
];
const DEFAULT_KEYS = [
  'after_script',
  'artifacts',
  'before_script',
  'cache',
  'hooks',
  'id_tokens',
  'image',
  'interruptible',
  'retry',
  'services',
  'tags',
  'timeout',
];
const WHEN = ['on_success', 'on_failure', 'always', 'manual', 'delayed', 'never'];
const RETRY_WHEN = [
  'always',
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
];

/** The jobs of a pipeline (top-level keys that are not keywords or hidden). */
export function jobNames(pipeline: Record<string, any>): string[] {
  return Object.keys(pipeline).filter((k) => !GLOBAL_KEYWORDS.includes(k) && !k.startsWith('.'));
}

function exitCodes(value: unknown): number[] {
  return [value ?? []].flat() as number[];
}

/** Problems with a pipeline's structure, each naming its path; empty when valid. */
export function validatePipeline(pipeline: Record<string, any>): string[] {
  const problems: string[] = [];
  const stages = pipeline.stages as unknown;
  if (!Array.isArray(stages) || stages.length === 0 || !stages.every((s) => typeof s === 'string'))
    problems.push('stages: a list of stage names is required');
  for (const key of Object.keys(pipeline.default ?? {})) {
    if (!DEFAULT_KEYS.includes(key)) problems.push(`default.${key}: not allowed in default`);
  }
  const jobs = jobNames(pipeline);
  if (jobs.length === 0) problems.push('no jobs');
  for (const name of jobs) {
    const job = pipeline[name] as Record<string, any>;
    const at = name;
    if (typeof job !== 'object' || job === null) {
      problems.push(`${at}: a job must be a mapping`);
      continue;
    }
    for (const key of Object.keys(job)) {
      if (!JOB_KEYS.includes(key)) problems.push(`${at}.${key}: not a job keyword`);
    }
    if (job.stage !== undefined && Array.isArray(stages) && !stages.includes(job.stage))
      problems.push(`${at}.stage: "${job.stage}" is not in stages`);
    const script = [job.script ?? []].flat();
    if (script.length === 0 || !script.every((line) => typeof line === 'string'))
      problems.push(`${at}.script: required, strings only`);
    for (const line of script as string[]) {
      for (const template of templatesIn(String(line)))
        problems.push(`${at}.script: ${template} inside a script`);
    }
    if (job.when !== undefined && !WHEN.includes(job.when))
      problems.push(`${at}.when: "${job.when}" is not one of ${WHEN.join(', ')}`);
    for (const need of [job.needs ?? []].flat()) {
      const needed = typeof need === 'string' ? need : (need as { job?: string }).job;
      if (!needed || !jobs.includes(needed)) problems.push(`${at}.needs: no job "${needed}"`);
    }
    if (job.retry !== undefined && typeof job.retry === 'object') {
      const max = job.retry.max as unknown;
      if (typeof max !== 'number' || max < 0 || max > 2)
        problems.push(`${at}.retry.max: must be 0, 1 or 2`);
      for (const when of [job.retry.when ?? []].flat()) {
        if (!RETRY_WHEN.includes(when)) problems.push(`${at}.retry.when: "${when}" is unknown`);
      }
      if (!exitCodes(job.retry.exit_codes).every((c) => Number.isInteger(c)))
        problems.push(`${at}.retry.exit_codes: integers only`);
    }
    if (typeof job.allow_failure === 'object' && job.allow_failure !== null) {
      const codes = exitCodes(job.allow_failure.exit_codes);
      if (codes.length === 0 || !codes.every((c) => Number.isInteger(c)))
        problems.push(`${at}.allow_failure.exit_codes: integers required`);
    }
    const dotenv = job.artifacts?.reports?.dotenv as unknown;
    if (dotenv !== undefined && typeof dotenv !== 'string' && !Array.isArray(dotenv))
      problems.push(`${at}.artifacts.reports.dotenv: a file name`);
  }
  return problems;
}

/** GitLab's verdict on a job. */
export type JobStatus = 'success' | 'allowed-failure' | 'failed';

/** How a job went, after GitLab's retries. */
export interface JobRun {
  status: JobStatus;
  /** Every attempt, in order. */
  attempts: ScriptResult[];
  /** The job's dotenv report, for the jobs that need it. */
  dotenv: Record<string, string>;
}

/** Expands `$NAME` and `${NAME}` in a variable's value, as GitLab does. */
function expand(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => variables[name] ?? whole);
}

/** Runs one job: variables, script, retries, allowed failures. */
export async function runJob(
  pipeline: Record<string, any>,
  name: string,
  options: {
    checkout: Checkout;
    /** Project CI/CD variables and pipeline variables (override the YAML's). */
    variables: Record<string, string>;
    /** dotenv reports of the jobs this one needs. */
    dotenv?: Record<string, string>;
  },
): Promise<JobRun> {
  const job = pipeline[name] as Record<string, any>;
  const variables: Record<string, string> = {
    CI: 'true',
    GITLAB_CI: 'true',
    CI_PROJECT_PATH: 'acme/shop',
    CI_PIPELINE_ID: '4242',
    CI_JOB_NAME: name,
  };
  for (const layer of [pipeline.variables, job.variables]) {
    for (const [key, value] of Object.entries((layer ?? {}) as Record<string, unknown>)) {
      variables[key] = expand(String(value), variables);
    }
  }
  Object.assign(variables, options.dotenv ?? {}, options.variables);
  // The runner runs the lines in one shell, stopping at the first failing one.
  const script = ['set -eo pipefail', ...[job.script].flat()].join('\n');
  const retryCodes = exitCodes(job.retry?.exit_codes);
  const maxRetries = typeof job.retry === 'number' ? job.retry : Number(job.retry?.max ?? 0);
  const attempts: ScriptResult[] = [];
  const dotenvFile = job.artifacts?.reports?.dotenv as string | undefined;
  for (;;) {
    if (dotenvFile) await rm(join(options.checkout.dir, dotenvFile), { force: true });
    const result = await runScript({
      shell: ['bash'],
      script,
      env: variables,
      cwd: options.checkout.dir,
      bin: options.checkout.bin,
    });
    attempts.push(result);
    const code = result.code ?? -1;
    if (code !== 0 && retryCodes.includes(code) && attempts.length <= maxRetries) continue;
    let dotenv: Record<string, string> = {};
    if (dotenvFile && (code === 0 || job.artifacts?.when === 'always')) {
      const text = await readFile(join(options.checkout.dir, dotenvFile), 'utf8').catch(() => '');
      dotenv = Object.fromEntries(
        text
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    }
    const allowed =
      job.allow_failure === true ||
      (typeof job.allow_failure === 'object' &&
        exitCodes(job.allow_failure.exit_codes).includes(code));
    const status: JobStatus = code === 0 ? 'success' : allowed ? 'allowed-failure' : 'failed';
    return { status, attempts, dotenv };
  }
}
