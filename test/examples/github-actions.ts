/**
 * Just enough of GitHub Actions to check a workflow's structure and run its jobs' `run`
 * steps: the `${{ }}` expression language (context paths, literals, ==, !=, &&, ||, !), the
 * env layering (workflow, job, GITHUB_ENV, step), GITHUB_OUTPUT and job outputs, and steps
 * stopping at the first failure. `uses:` steps (marketplace actions) are not run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, templatesIn, type Checkout, type ScriptResult } from './ci-harness.js';

/** The contexts expressions read. */
export interface GithubContext {
  inputs?: Record<string, string>;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  github?: Record<string, string>;
  steps?: Record<string, { outputs: Record<string, string>; outcome: string }>;
  needs?: Record<string, { outputs: Record<string, string>; result: string }>;
  runner?: Record<string, string>;
  env?: Record<string, string>;
}

type Value = string | number | boolean | null | Record<string, unknown>;

const asText = (v: Value): string =>
  typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);

const TOKEN = /\s*('(?:[^']|'')*'|\d+(?:\.\d+)?|==|!=|&&|\|\||!|\(|\)|[A-Za-z_][\w.-]*)/y;

/** Evaluates one expression (the text inside `${{ }}`, or an `if:`). */
export function evaluate(expression: string, context: GithubContext): Value {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.trimEnd().length) {
    const match = TOKEN.exec(expression);
    if (!match) throw new Error(`cannot parse expression "${expression}"`);
    tokens.push(match[1] as string);
  }
  let at = 0;
  const truthy = (v: Value): boolean => v !== null && v !== false && v !== '' && v !== 0;
  const primary = (): Value => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`unexpected end of "${expression}"`);
    if (token === '(') {
      const value = or();
      if (tokens[at++] !== ')') throw new Error(`missing ) in "${expression}"`);
      return value;
    }
    if (token === '!') return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    let value: unknown = context;
    for (const part of token.split('.')) {
      value = (value as Record<string, unknown> | undefined)?.[part];
    }
    if (value === undefined) {
      const root = token.split('.')[0] as string;
      if (!(root in context)) throw new Error(`unknown context "${root}" in "${expression}"`);
      return null;
    }
    return value as Value;
  };
  const comparison = (): Value => {
    let left = primary();
    while (tokens[at] === '==' || tokens[at] === '!=') {
      const op = tokens[at++];
      const right = primary();
      left = op === '==' ? asText(left) === asText(right) : asText(left) !== asText(right);
    }
    return left;
  };
  const and = (): Value => {
    let left = comparison();
    while (tokens[at] === '&&') {
      at++;
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (tokens[at] === '||') {
      at++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`unexpected "${tokens[at]}" in "${expression}"`);
  return value;
}

/** Replaces every `${{ }}` in `text`. */
export function interpolate(text: string, context: GithubContext): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, inner: string) => {
    const value = evaluate(inner, context);
    return value === null ? '' : asText(value);
  });
}

const WORKFLOW_KEYS = [
  'name',
  'run-name',
  'on',
  'permissions',
  'env',
  'defaults',
  'concurrency',
  'jobs',
];
const JOB_KEYS = [
  'name',
  'needs',
  'if',
  'runs-on',
  'environment',
  'concurrency',
  'outputs',
  'env',
  'defaults',
  'steps',
  'timeout-minutes',
  'strategy',
  'continue-on-error',
  'container',
  'services',
  'permissions',
  'uses',
  'with',
  'secrets',
];
const STEP_KEYS = [
  'id',
  'if',
  'name',
  'uses',
  'run',
  'shell',
  'with',
  'env',
  'continue-on-error',
  'timeout-minutes',
  'working-directory',
];

function expressionsIn(value: unknown): string[] {
  const text = JSON.stringify(value) ?? '';
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => (m[1] as string).trim());
}

/** Problems with a workflow's structure, each naming its path; empty when valid. */
export function validateWorkflow(workflow: Record<string, any>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(workflow)) {
    if (!WORKFLOW_KEYS.includes(key)) problems.push(`${key}: not a workflow key`);
  }
  if (workflow.on === undefined) problems.push('on: required');
  const inputs = Object.keys(workflow.on?.workflow_dispatch?.inputs ?? {});
  const jobs = workflow.jobs as Record<string, any> | undefined;
  if (!jobs || typeof jobs !== 'object' || Object.keys(jobs).length === 0) {
    problems.push('jobs: at least one job is required');
    return problems;
  }
  const check = (path: string, value: unknown, steps: string[], needs: string[]): void => {
    for (const expression of expressionsIn(value)) {
      for (const ref of expression.match(/[A-Za-z_][\w-]*(\.[\w-]+)+/g) ?? []) {
        const [root, name] = ref.split('.');
        if (root === 'steps' && !steps.includes(name as string))
          problems.push(`${path}: ${ref} names no earlier step`);
        if (root === 'needs' && !needs.includes(name as string))
          problems.push(`${path}: ${ref} is not in needs`);
        if (root === 'inputs' && !inputs.includes(name as string))
          problems.push(`${path}: ${ref} is not a declared input`);
      }
    }
  };
  check('env', workflow.env, [], []);
  for (const [id, job] of Object.entries(jobs)) {
    const path = `jobs.${id}`;
    for (const key of Object.keys(job)) {
      if (!JOB_KEYS.includes(key)) problems.push(`${path}.${key}: not a job key`);
    }
    const needs: string[] = [job.needs ?? []].flat();
    for (const need of needs) {
      if (!(need in jobs)) problems.push(`${path}.needs: no job "${need}"`);
    }
    if (job.uses === undefined && job['runs-on'] === undefined)
      problems.push(`${path}.runs-on: required`);
    if (!Array.isArray(job.steps) || job.steps.length === 0) {
      problems.push(`${path}.steps: at least one step is required`);
      continue;
    }
    check(`${path}.if`, job.if ? `\${{ ${job.if} }}` : undefined, [], needs);
    check(`${path}.env`, job.env, [], needs);
    const ids: string[] = [];
    job.steps.forEach((step: Record<string, any>, index: number) => {
      const at = `${path}.steps[${index}]`;
      for (const key of Object.keys(step)) {
        if (!STEP_KEYS.includes(key)) problems.push(`${at}.${key}: not a step key`);
      }
      if ((step.run === undefined) === (step.uses === undefined))
        problems.push(`${at}: exactly one of run and uses is required`);
      if (
        step.uses !== undefined &&
        !/^([\w.-]+\/[\w./-]+@[\w.-]+|\.\/.+|docker:\/\/.+)$/.test(step.uses)
      )
        problems.push(`${at}.uses: "${step.uses}" is not owner/repo@ref, ./path or docker://`);
      if (step.with !== undefined && step.uses === undefined)
        problems.push(`${at}.with: only for uses steps`);
      if (typeof step.run === 'string') {
        for (const template of templatesIn(step.run))
          problems.push(`${at}.run: ${template} inside a script (pass it through env)`);
      }
      if (step.id !== undefined) {
        if (!/^[A-Za-z_][\w-]*$/.test(step.id)) problems.push(`${at}.id: "${step.id}" is invalid`);
        if (ids.includes(step.id)) problems.push(`${at}.id: "${step.id}" is not unique`);
      }
      check(`${at}.env`, step.env, ids, needs);
      check(`${at}.if`, step.if ? `\${{ ${step.if} }}` : undefined, ids, needs);
      if (step.id !== undefined) ids.push(step.id);
    });
    check(`${path}.outputs`, job.outputs, ids, needs);
  }
  return problems;
}

/** How one step went. */
export interface StepRun {
  /** The step's id, or its index. */
  id: string;
  /** skipped: a `uses` step, one `skip` names, or after a failure. */
  outcome: 'success' | 'failure' | 'skipped';
  result?: ScriptResult;
}

/** How a job went. */
export interface JobRun {
  conclusion: 'success' | 'failure';
  steps: StepRun[];
  /** The job's outputs, evaluated. */
  outputs: Record<string, string>;
}

function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** Runs one job's steps in order, as a runner does. */
export async function runJob(
  workflow: Record<string, any>,
  jobId: string,
  options: {
    checkout: Checkout;
    context: GithubContext;
    /** Step ids not to run (besides `uses` steps), e.g. installing switchyard from npm. */
    skip?: readonly string[];
    /** Only these step ids run (to exercise one step). */
    only?: readonly string[];
  },
): Promise<JobRun> {
  const job = workflow.jobs[jobId] as Record<string, any>;
  const temp = await mkdtemp(join(tmpdir(), 'switchyard-gha-'));
  const context: GithubContext = {
    ...options.context,
    runner: { temp, os: 'Linux' },
    steps: {},
    github: { run_id: '4242', repository: 'acme/shop', ...options.context.github },
  };
  const layer = (env: Record<string, unknown> | undefined): Record<string, string> =>
    Object.fromEntries(
      Object.entries(env ?? {}).map(([k, v]) => [k, interpolate(String(v), context)]),
    );
  const workflowEnv = layer(workflow.env);
  context.env = workflowEnv;
  const jobEnv = { ...workflowEnv, ...layer(job.env) };
  const addedEnv: Record<string, string> = {};
  const steps: StepRun[] = [];
  let failed = false;
  try {
    for (const [index, step] of (job.steps as Record<string, any>[]).entries()) {
      const id = (step.id as string | undefined) ?? String(index);
      const excluded = options.only !== undefined && !options.only.includes(id);
      if (failed || excluded || step.uses !== undefined || options.skip?.includes(id)) {
        steps.push({ id, outcome: 'skipped' });
        continue;
      }
      const output = join(temp, `output-${index}`);
      const envFile = join(temp, `env-${index}`);
      await writeFile(output, '');
      await writeFile(envFile, '');
      context.env = { ...jobEnv, ...addedEnv };
      const env = {
        ...jobEnv,
        ...addedEnv,
        ...layer(step.env),
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_RUN_ID: context.github?.run_id ?? '',
        GITHUB_REPOSITORY: context.github?.repository ?? '',
        GITHUB_OUTPUT: output,
        GITHUB_ENV: envFile,
        RUNNER_TEMP: temp,
      };
      const shell =
        step.shell === 'bash'
          ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail']
          : ['bash', '-e'];
      const result = await runScript({
        shell,
        script: step.run as string,
        env,
        cwd: options.checkout.dir,
        bin: options.checkout.bin,
      });
      Object.assign(addedEnv, parseCommandFile(await readFile(envFile, 'utf8')));
      const outcome = result.code === 0 ? 'success' : 'failure';
      context.steps![id] = { outputs: parseCommandFile(await readFile(output, 'utf8')), outcome };
      steps.push({ id, outcome, result });
      failed = outcome === 'failure';
    }
    const outputs = Object.fromEntries(
      Object.entries((job.outputs ?? {}) as Record<string, string>).map(([k, v]) => [
        k,
        interpolate(v, context),
      ]),
    );
    return { conclusion: failed ? 'failure' : 'success', steps, outputs };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Whether a job runs after `needs`, by its `if:` (default: every need succeeded). */
export function jobRuns(
  workflow: Record<string, any>,
  jobId: string,
  needs: Record<string, JobRun>,
): boolean {
  const job = workflow.jobs[jobId] as Record<string, any>;
  const context: GithubContext = {
    needs: Object.fromEntries(
      Object.entries(needs).map(([id, run]) => [
        id,
        { outputs: run.outputs, result: run.conclusion },
      ]),
    ),
  };
  const allSucceeded = Object.values(needs).every((run) => run.conclusion === 'success');
  if (job.if === undefined) return allSucceeded;
  return allSucceeded && evaluate(String(job.if), context) === true;
}
