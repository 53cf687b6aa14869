/**
 * Just enough of Tekton Pipelines (tekton.dev/v1) to check Tasks, a Pipeline and a
 * PipelineRun against each other and run them: `$(params.*)`, `$(results.*.path)`,
 * `$(workspaces.*.path)` and `$(context.pipelineRun.*)` substitution, steps run by their
 * script's shebang until one fails, results passed as `$(tasks.*.results.*)`, `when`
 * (in/notin) guarding one task, `runAfter` order. Tasks fetched by a resolver (git-clone)
 * stand for the checkout; custom tasks (the ApprovalTask) call an approval hook.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, templatesIn, type Checkout, type ScriptResult } from './ci-harness.js';

type Doc = Record<string, any>;
type Params = Record<string, string | string[]>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const VARIABLE = /\$\(([a-zA-Z]+)\.([\w-]+)(?:\.([\w-]+))?(?:\.([\w-]+))?(\[\*\])?\)/g;

function header(doc: Doc, kind: string): string[] {
  const problems: string[] = [];
  if (doc.apiVersion !== 'tekton.dev/v1') problems.push(`apiVersion: tekton.dev/v1 expected`);
  if (doc.kind !== kind) problems.push(`kind: ${kind} expected`);
  if (!DNS_LABEL.test(doc.metadata?.name ?? doc.metadata?.generateName?.replace(/-$/, '') ?? ''))
    problems.push('metadata.name: a DNS label is required');
  return problems;
}

function paramProblems(at: string, params: unknown): string[] {
  if (params === undefined) return [];
  if (!Array.isArray(params)) return [`${at}: a list`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, param] of (params as Doc[]).entries()) {
    if (!param.name || seen.has(param.name)) problems.push(`${at}[${i}].name: missing or repeated`);
    seen.add(param.name);
    const type = param.type ?? 'string';
    if (!['string', 'array', 'object'].includes(type)) problems.push(`${at}[${i}].type: "${type}"`);
    if (param.default !== undefined && (type === 'array') !== Array.isArray(param.default))
      problems.push(`${at}[${i}].default: does not match type ${type}`);
  }
  return problems;
}

/** Problems with a Task, each naming its path; empty when valid. */
export function validateTask(task: Doc): string[] {
  const problems = header(task, 'Task');
  const spec = (task.spec ?? {}) as Doc;
  problems.push(...paramProblems('spec.params', spec.params));
  const declared = {
    params: ((spec.params ?? []) as Doc[]).map((p) => p.name as string),
    results: ((spec.results ?? []) as Doc[]).map((r) => r.name as string),
    workspaces: ((spec.workspaces ?? []) as Doc[]).map((w) => w.name as string),
  };
  if (!Array.isArray(spec.steps) || spec.steps.length === 0) {
    problems.push('spec.steps: at least one step is required');
    return problems;
  }
  const names = new Set<string>();
  for (const [i, step] of (spec.steps as Doc[]).entries()) {
    const at = `spec.steps[${i}]`;
    if (!DNS_LABEL.test(step.name ?? '') || names.has(step.name))
      problems.push(`${at}.name: missing, repeated or not a DNS label`);
    names.add(step.name);
    if (!step.image && !spec.stepTemplate?.image) problems.push(`${at}.image: required`);
    if ((step.script === undefined) === (step.command === undefined))
      problems.push(`${at}: exactly one of script and command`);
    if (typeof step.script === 'string') {
      if (!step.script.startsWith('#!')) problems.push(`${at}.script: start with a shebang`);
      for (const template of templatesIn(step.script))
        problems.push(`${at}.script: ${template} inside a script (pass it through env)`);
    }
  }
  for (const [, kind, name, field] of JSON.stringify(spec).matchAll(VARIABLE)) {
    if (kind === 'params' && !declared.params.includes(name as string))
      problems.push(`$(params.${name}): no such param`);
    if (kind === 'results' && (!declared.results.includes(name as string) || field !== 'path'))
      problems.push(`$(results.${name}.${field}): no such result path`);
    if (kind === 'workspaces' && !declared.workspaces.includes(name as string))
      problems.push(`$(workspaces.${name}): no such workspace`);
  }
  return problems;
}

/** Problems with a Pipeline and the local Tasks it references. */
export function validatePipeline(pipeline: Doc, tasks: Doc[]): string[] {
  const problems = header(pipeline, 'Pipeline');
  const spec = (pipeline.spec ?? {}) as Doc;
  problems.push(...paramProblems('spec.params', spec.params));
  const params = new Map<string, string>(
    (spec.params ?? []).map((p: Doc) => [p.name as string, (p.type as string) ?? 'string']),
  );
  const workspaces = ((spec.workspaces ?? []) as Doc[]).map((w) => w.name as string);
  const pipelineTasks = (spec.tasks ?? []) as Doc[];
  if (pipelineTasks.length === 0) problems.push('spec.tasks: at least one task is required');
  const names = pipelineTasks.map((t) => t.name as string);
  const taskOf = (t: Doc): Doc | undefined =>
    tasks.find((task) => task.metadata.name === t.taskRef?.name);
  for (const [i, t] of pipelineTasks.entries()) {
    const at = `spec.tasks[${i}] (${t.name})`;
    if (!DNS_LABEL.test(t.name ?? '') || names.indexOf(t.name) !== i)
      problems.push(`${at}.name: missing, repeated or not a DNS label`);
    const ref = t.taskRef as Doc | undefined;
    if (!ref) problems.push(`${at}.taskRef: required`);
    else if (ref.name !== undefined && !taskOf(t))
      problems.push(`${at}.taskRef: no Task "${ref.name}"`);
    else if (ref.name === undefined && !ref.resolver && !(ref.apiVersion && ref.kind))
      problems.push(`${at}.taskRef: a name, a resolver or a custom task apiVersion and kind`);
    for (const after of t.runAfter ?? []) {
      if (!names.includes(after) || after === t.name)
        problems.push(`${at}.runAfter: no task "${after}"`);
    }
    for (const [j, when] of ((t.when ?? []) as Doc[]).entries()) {
      if (
        typeof when.input !== 'string' ||
        !['in', 'notin'].includes(when.operator) ||
        !Array.isArray(when.values)
      )
        problems.push(`${at}.when[${j}]: input, operator in/notin and values are required`);
    }
    const task = taskOf(t);
    if (task) {
      const taskParams = (task.spec.params ?? []) as Doc[];
      const given = ((t.params ?? []) as Doc[]).map((p) => p.name as string);
      for (const p of taskParams) {
        if (p.default === undefined && !given.includes(p.name))
          problems.push(`${at}.params: Task param "${p.name}" has no default and is not given`);
      }
      for (const name of given) {
        if (!taskParams.some((p) => p.name === name))
          problems.push(`${at}.params: Task has no param "${name}"`);
      }
      for (const w of (task.spec.workspaces ?? []) as Doc[]) {
        const bound = ((t.workspaces ?? []) as Doc[]).find((b) => b.name === w.name);
        if (!bound && !w.optional) problems.push(`${at}.workspaces: "${w.name}" is not bound`);
        if (bound && !workspaces.includes(bound.workspace))
          problems.push(`${at}.workspaces: no pipeline workspace "${bound.workspace}"`);
      }
    }
    for (const [, kind, name, field, result, star] of JSON.stringify(t).matchAll(VARIABLE)) {
      if (kind === 'params') {
        if (!params.has(name as string)) problems.push(`${at}: $(params.${name}): no such param`);
        else if ((params.get(name as string) === 'array') !== (star !== undefined))
          problems.push(
            `${at}: $(params.${name}) must be referenced ${star ? 'as a string' : 'with [*]'}`,
          );
      }
      if (kind === 'tasks') {
        const source = pipelineTasks.find((p) => p.name === name);
        const declared =
          source && taskOf(source)?.spec.results?.some((r: Doc) => r.name === result);
        if (field !== 'results' || !declared)
          problems.push(`${at}: $(tasks.${name}.${field}.${result}): no such result`);
      }
      if (
        kind === 'context' &&
        !(name === 'pipelineRun' && ['name', 'namespace', 'uid'].includes(field as string))
      )
        problems.push(`${at}: $(context.${name}.${field}) is not a pipeline context variable`);
    }
  }
  return problems;
}

/** Problems with a PipelineRun against its Pipeline. */
export function validatePipelineRun(run: Doc, pipeline: Doc): string[] {
  const problems = header(run, 'PipelineRun');
  if (run.spec?.pipelineRef?.name !== pipeline.metadata.name)
    problems.push(`spec.pipelineRef.name: "${pipeline.metadata.name}" expected`);
  const declared = (pipeline.spec.params ?? []) as Doc[];
  const given = ((run.spec?.params ?? []) as Doc[]).map((p) => p.name as string);
  for (const p of declared) {
    if (p.default === undefined && !given.includes(p.name))
      problems.push(`spec.params: "${p.name}" is required`);
  }
  for (const name of given) {
    if (!declared.some((p) => p.name === name))
      problems.push(`spec.params: Pipeline has no param "${name}"`);
  }
  for (const w of (pipeline.spec.workspaces ?? []) as Doc[]) {
    if (!((run.spec?.workspaces ?? []) as Doc[]).some((b) => b.name === w.name))
      problems.push(`spec.workspaces: "${w.name}" is not bound`);
  }
  return problems;
}

/** How a TaskRun went. */
export interface TaskRunResult {
  succeeded: boolean;
  results: Record<string, string>;
  steps: { name: string; result: ScriptResult }[];
}

function substitute(
  text: string,
  values: (kind: string, parts: string[]) => string | undefined,
): string {
  return text.replace(VARIABLE, (whole, kind: string, ...rest: (string | undefined)[]) => {
    const parts = rest.slice(0, 3).filter((p): p is string => p !== undefined);
    return values(kind, parts) ?? whole;
  });
}

/**
 * Runs a Task's steps with `params` (defaults filled in). `podEnv` stands for what the pod
 * gets besides the Task's env: its ServiceAccount's credentials (a KUBECONFIG here).
 */
export async function runTask(
  task: Doc,
  params: Params,
  checkout: Checkout,
  podEnv: Record<string, string> = {},
): Promise<TaskRunResult> {
  const values: Record<string, string> = {};
  for (const p of (task.spec.params ?? []) as Doc[]) {
    const value = params[p.name] ?? p.default;
    if (value === undefined) throw new Error(`Task ${task.metadata.name}: param ${p.name} missing`);
    values[p.name] = String(value);
  }
  const resultsDir = await mkdtemp(join(tmpdir(), 'switchyard-tekton-'));
  const resolve = (text: string): string =>
    substitute(text, (kind, [name, field]) => {
      if (kind === 'params') return values[name as string];
      if (kind === 'results' && field === 'path') return join(resultsDir, name as string);
      if (kind === 'workspaces' && field === 'path') return checkout.dir;
      return undefined;
    });
  const steps: TaskRunResult['steps'] = [];
  try {
    for (const step of task.spec.steps as Doc[]) {
      const script = step.script as string;
      const env = {
        ...podEnv,
        ...Object.fromEntries(
          [...((task.spec.stepTemplate?.env ?? []) as Doc[]), ...((step.env ?? []) as Doc[])].map(
            (e) => [e.name as string, resolve(String(e.value))],
          ),
        ),
      };
      const shebang = (/^#!(.*)/.exec(script)?.[1] ?? '/bin/sh').trim().split(/\s+/);
      const result = await runScript({
        shell: shebang,
        script,
        env,
        cwd: resolve(step.workingDir ?? task.spec.stepTemplate?.workingDir ?? checkout.dir),
        bin: checkout.bin,
      });
      steps.push({ name: step.name as string, result });
      if (result.code !== 0) break;
    }
    const results: Record<string, string> = {};
    for (const r of (task.spec.results ?? []) as Doc[]) {
      const text = await readFile(join(resultsDir, r.name as string), 'utf8').catch(
        () => undefined,
      );
      if (text !== undefined) results[r.name as string] = text;
    }
    return { succeeded: steps.every((s) => s.result.code === 0), results, steps };
  } finally {
    await rm(resultsDir, { recursive: true, force: true });
  }
}

/** How a PipelineRun went. */
export interface PipelineRunResult {
  succeeded: boolean;
  /** Per pipeline task: its run, or skipped, or stood in for (resolver and custom tasks). */
  tasks: Record<string, TaskRunResult | 'skipped' | 'fetched' | 'approved' | 'rejected'>;
}

/** Runs a Pipeline's tasks in `runAfter` order, as the controller does. */
export async function runPipeline(
  pipeline: Doc,
  tasks: Doc[],
  params: Params,
  options: {
    checkout: Checkout;
    approve: (task: Doc) => boolean | Promise<boolean>;
    podEnv?: Record<string, string>;
    runName?: string;
  },
): Promise<PipelineRunResult> {
  const values: Params = {};
  for (const p of (pipeline.spec.params ?? []) as Doc[]) {
    const value = params[p.name] ?? p.default;
    if (value === undefined) throw new Error(`Pipeline param ${p.name} missing`);
    values[p.name] = value as string | string[];
  }
  const outcome: PipelineRunResult['tasks'] = {};
  const resolve = (text: string): string =>
    substitute(text, (kind, [name, field, result]) => {
      if (kind === 'params') return String(values[name as string]);
      if (kind === 'context' && name === 'pipelineRun')
        return field === 'name' ? (options.runName ?? 'switchyard-release-x7k2p') : 'bookinfo';
      if (kind === 'tasks' && field === 'results') {
        const run = outcome[name as string];
        return typeof run === 'object' ? run.results[result as string] : undefined;
      }
      return undefined;
    });
  const pending = [...(pipeline.spec.tasks as Doc[])];
  while (pending.length > 0) {
    const index = pending.findIndex((t) => (t.runAfter ?? []).every((a: string) => a in outcome));
    if (index < 0) throw new Error('runAfter has a cycle');
    const t = pending.splice(index, 1)[0] as Doc;
    const guarded = ((t.when ?? []) as Doc[]).every((w) => {
      const input = resolve(w.input as string);
      return (w.operator === 'in') === (w.values as string[]).includes(input);
    });
    if (!guarded) {
      outcome[t.name] = 'skipped';
      continue;
    }
    if (t.taskRef.resolver) {
      outcome[t.name] = 'fetched';
      continue;
    }
    if (t.taskRef.kind) {
      const approved = await options.approve(t);
      outcome[t.name] = approved ? 'approved' : 'rejected';
      if (!approved) return { succeeded: false, tasks: outcome };
      continue;
    }
    const task = tasks.find((x) => x.metadata.name === t.taskRef.name) as Doc;
    const taskParams: Params = {};
    for (const p of (t.params ?? []) as Doc[]) {
      taskParams[p.name] = Array.isArray(p.value)
        ? (p.value as string[]).map(resolve)
        : /^\$\(params\.([\w-]+)\[\*\]\)$/.test(p.value)
          ? (values[/^\$\(params\.([\w-]+)/.exec(p.value)![1] as string] as string[])
          : resolve(String(p.value));
    }
    const run = await runTask(task, taskParams, options.checkout, options.podEnv);
    outcome[t.name] = run;
    if (!run.succeeded) return { succeeded: false, tasks: outcome };
  }
  return { succeeded: true, tasks: outcome };
}
