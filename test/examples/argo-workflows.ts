/**
 * Just enough of Argo Workflows to check a WorkflowTemplate and run it: `{{...}}`
 * substitution (workflow and input parameters, input artifact paths, step outputs,
 * workflow.name/namespace/status), steps templates (groups in order, `when` conditions),
 * script templates run with their `command`, output parameters read from `valueFrom.path`,
 * `retryStrategy` with `limit` and an `expression` over `lastRetry` (no backoff waits),
 * suspend templates (an approval hook), and the `onExit` handler.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, templatesIn, type Checkout, type ScriptResult } from './ci-harness.js';

type Doc = Record<string, any>;

const KINDS = [
  'container',
  'script',
  'steps',
  'dag',
  'suspend',
  'resource',
  'data',
  'http',
  'containerSet',
];
const RETRY_POLICIES = ['Always', 'OnFailure', 'OnError', 'OnTransientError'];
const TEMPLATE_VARIABLE = /\{\{\s*([\w.-]+)\s*\}\}/g;

/** Evaluates a condition of quoted strings, numbers, ==, !=, &&, || and parentheses. */
export function evaluateCondition(text: string): boolean {
  const tokens: string[] = [];
  const pattern = /\s*('[^']*'|"[^"]*"|-?\d+|==|!=|&&|\|\||\(|\))\s*/y;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (!match) throw new Error(`cannot evaluate "${text}"`);
    tokens.push(match[1] as string);
  }
  let at = 0;
  const value = (): string | boolean => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`unexpected end of "${text}"`);
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') throw new Error(`missing ) in "${text}"`);
      return inner;
    }
    return /^['"]/.test(token) ? token.slice(1, -1) : token;
  };
  const comparison = (): boolean => {
    const left = value();
    const op = tokens[at];
    if (op !== '==' && op !== '!=') return left === true;
    at++;
    const right = value();
    return op === '==' ? String(left) === String(right) : String(left) !== String(right);
  };
  const and = (): boolean => {
    let result = comparison();
    while (tokens[at] === '&&') {
      at++;
      result = comparison() && result;
    }
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (tokens[at] === '||') {
      at++;
      result = and() || result;
    }
    return result;
  };
  const result = or();
  if (at !== tokens.length) throw new Error(`unexpected "${tokens[at]}" in "${text}"`);
  return result;
}

/** A retry expression with `lastRetry` filled in. */
export function retryWanted(expression: string, exitCode: number): boolean {
  return evaluateCondition(
    expression
      .replace(/asInt\(lastRetry\.exitCode\)/g, String(exitCode))
      .replace(/lastRetry\.exitCode/g, `'${exitCode}'`)
      .replace(/lastRetry\.status/g, `'${exitCode === 0 ? 'Succeeded' : 'Failed'}'`),
  );
}

/** Problems with a WorkflowTemplate, each naming its path; empty when valid. */
export function validateWorkflowTemplate(doc: Doc): string[] {
  const problems: string[] = [];
  if (doc.apiVersion !== 'argoproj.io/v1alpha1')
    problems.push('apiVersion: argoproj.io/v1alpha1 expected');
  if (doc.kind !== 'WorkflowTemplate') problems.push('kind: WorkflowTemplate expected');
  if (!doc.metadata?.name) problems.push('metadata.name: required');
  const spec = (doc.spec ?? {}) as Doc;
  const templates = (spec.templates ?? []) as Doc[];
  const byName = new Map(templates.map((t) => [t.name as string, t]));
  if (templates.length === 0) problems.push('spec.templates: at least one template is required');
  if (byName.size !== templates.length) problems.push('spec.templates: names must be unique');
  if (!byName.has(spec.entrypoint))
    problems.push(`spec.entrypoint: no template "${spec.entrypoint}"`);
  if (spec.onExit !== undefined && !byName.has(spec.onExit))
    problems.push(`spec.onExit: no template "${spec.onExit}"`);
  const workflowParams = ((spec.arguments?.parameters ?? []) as Doc[]).map((p) => p.name as string);
  for (const [i, t] of templates.entries()) {
    const at = `spec.templates[${i}] (${t.name})`;
    const kinds = KINDS.filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) problems.push(`${at}: exactly one of ${KINDS.join(', ')}`);
    const inputs = ((t.inputs?.parameters ?? []) as Doc[]).map((p) => p.name as string);
    const artifacts = ((t.inputs?.artifacts ?? []) as Doc[]).map((a) => a.name as string);
    if (t.script) {
      if (!t.script.image || typeof t.script.source !== 'string')
        problems.push(`${at}.script: image and source are required`);
      for (const template of templatesIn(String(t.script.source ?? '')))
        problems.push(`${at}.script.source: ${template} inside a script (pass it through env)`);
    }
    if (t.retryStrategy) {
      const r = t.retryStrategy as Doc;
      if (r.retryPolicy !== undefined && !RETRY_POLICIES.includes(r.retryPolicy))
        problems.push(`${at}.retryStrategy.retryPolicy: "${r.retryPolicy}"`);
      if (r.expression !== undefined) {
        try {
          retryWanted(String(r.expression), 1);
        } catch {
          problems.push(`${at}.retryStrategy.expression: cannot evaluate "${r.expression}"`);
        }
      }
    }
    const stepNames = new Map<string, Doc>();
    for (const [g, group] of ((t.steps ?? []) as Doc[][]).entries()) {
      if (!Array.isArray(group)) {
        problems.push(`${at}.steps[${g}]: a list of parallel steps`);
        continue;
      }
      for (const step of group) {
        const target = byName.get(step.template);
        if (!target)
          problems.push(`${at}.steps[${g}] ${step.name}: no template "${step.template}"`);
        stepNames.set(step.name, step);
        const given = ((step.arguments?.parameters ?? []) as Doc[]).map((p) => p.name as string);
        for (const p of (target?.inputs?.parameters ?? []) as Doc[]) {
          if (p.value === undefined && p.default === undefined && !given.includes(p.name))
            problems.push(`${at}.steps ${step.name}: input parameter "${p.name}" is not given`);
        }
      }
    }
    for (const [, variable] of JSON.stringify(t).matchAll(TEMPLATE_VARIABLE)) {
      const parts = (variable as string).split('.');
      const [root, kind, name] = parts;
      if (root === 'workflow') {
        if (kind === 'parameters' && !workflowParams.includes(name as string))
          problems.push(`${at}: {{${variable}}}: no workflow parameter "${name}"`);
        else if (
          kind !== 'parameters' &&
          !['name', 'namespace', 'status', 'uid'].includes(kind as string)
        )
          problems.push(`${at}: {{${variable}}} is not a workflow variable`);
      } else if (root === 'inputs') {
        const known = kind === 'parameters' ? inputs : kind === 'artifacts' ? artifacts : [];
        if (!known.includes(name as string)) problems.push(`${at}: {{${variable}}}: no such input`);
      } else if (root === 'steps') {
        const step = stepNames.get(kind as string);
        const outputs = ((byName.get(step?.template)?.outputs?.parameters ?? []) as Doc[]).map(
          (p) => p.name as string,
        );
        if (!step || parts[2] !== 'outputs' || !outputs.includes(parts[4] as string))
          problems.push(`${at}: {{${variable}}}: no such step output`);
      } else {
        problems.push(`${at}: {{${variable}}} is not a known variable`);
      }
    }
  }
  return problems;
}

/** How one template invocation went. */
export interface NodeRun {
  template: string;
  phase: 'Succeeded' | 'Failed' | 'Skipped';
  /** Script attempts, in order (retries included). */
  attempts: ScriptResult[];
  outputs: Record<string, string>;
}

/** How a workflow went: the entrypoint's node, every step's node, the exit handler's. */
export interface WorkflowRun {
  phase: 'Succeeded' | 'Failed';
  main: NodeRun;
  nodes: Record<string, NodeRun>;
  onExit?: NodeRun;
}

/** Runs a WorkflowTemplate submitted with `parameters`. */
export async function runWorkflow(
  doc: Doc,
  options: {
    parameters: Record<string, string>;
    checkout: Checkout;
    approve: (template: string) => boolean | Promise<boolean>;
    /** What pods get besides the template's env: the ServiceAccount's credentials. */
    podEnv?: Record<string, string>;
    /** `argo submit --entrypoint`: another template; its inputs come from `parameters`. */
    entrypoint?: string;
  },
): Promise<WorkflowRun> {
  const spec = doc.spec as Doc;
  const templates = new Map((spec.templates as Doc[]).map((t) => [t.name as string, t]));
  const workflow: Record<string, string> = {
    name: 'switchyard-release-x7k2p',
    namespace: 'bookinfo',
    status: 'Running',
  };
  const params: Record<string, string> = {};
  for (const p of (spec.arguments?.parameters ?? []) as Doc[]) {
    const value = options.parameters[p.name] ?? p.value;
    if (value === undefined) throw new Error(`workflow parameter ${p.name} missing`);
    params[p.name] = String(value);
  }
  const nodes: Record<string, NodeRun> = {};
  const substitute = (text: string, scope: Record<string, string>): string =>
    text.replace(TEMPLATE_VARIABLE, (whole, variable: string) => {
      const [root, kind, name] = variable.split('.');
      if (root === 'workflow')
        return kind === 'parameters'
          ? (params[name as string] ?? whole)
          : (workflow[kind as string] ?? whole);
      return scope[variable] ?? whole;
    });

  const runTemplate = async (name: string, args: Record<string, string>): Promise<NodeRun> => {
    const t = templates.get(name) as Doc;
    const scope: Record<string, string> = {};
    for (const p of (t.inputs?.parameters ?? []) as Doc[])
      scope[`inputs.parameters.${p.name}`] = args[p.name] ?? p.value ?? p.default;
    for (const a of (t.inputs?.artifacts ?? []) as Doc[])
      scope[`inputs.artifacts.${a.name}.path`] = options.checkout.dir;
    if (t.suspend) {
      const phase = (await options.approve(name)) ? 'Succeeded' : 'Failed';
      return { template: name, phase, attempts: [], outputs: {} };
    }
    if (t.steps) {
      for (const group of t.steps as Doc[][]) {
        for (const step of group) {
          if (step.when && !evaluateCondition(substitute(String(step.when), scope))) {
            nodes[step.name] = {
              template: step.template,
              phase: 'Skipped',
              attempts: [],
              outputs: {},
            };
            continue;
          }
          const stepArgs = Object.fromEntries(
            ((step.arguments?.parameters ?? []) as Doc[]).map((p) => [
              p.name,
              substitute(String(p.value), scope),
            ]),
          );
          const node = await runTemplate(step.template, stepArgs);
          nodes[step.name] = node;
          for (const [key, value] of Object.entries(node.outputs))
            scope[`steps.${step.name}.outputs.parameters.${key}`] = value;
          if (node.phase === 'Failed')
            return { template: name, phase: 'Failed', attempts: [], outputs: {} };
        }
      }
      return { template: name, phase: 'Succeeded', attempts: [], outputs: {} };
    }
    const outputDir = await mkdtemp(join(tmpdir(), 'switchyard-argo-'));
    try {
      const outputs = (t.outputs?.parameters ?? []) as Doc[];
      const env: Record<string, string> = { ...options.podEnv };
      for (const e of (t.script.env ?? []) as Doc[]) {
        let value = substitute(String(e.value), scope);
        // An output parameter's path stands for a file in the node's container.
        const output = outputs.find((o) => o.valueFrom?.path === value);
        if (output) value = join(outputDir, output.name as string);
        env[e.name as string] = value;
      }
      const retry = t.retryStrategy as Doc | undefined;
      const attempts: ScriptResult[] = [];
      for (;;) {
        const result = await runScript({
          shell: t.script.command as string[],
          script: t.script.source as string,
          env,
          cwd: options.checkout.dir,
          bin: options.checkout.bin,
        });
        attempts.push(result);
        const code = result.code ?? -1;
        const more = retry !== undefined && attempts.length <= Number(retry.limit ?? 0);
        if (code === 0 || !more) break;
        if (retry.expression !== undefined && !retryWanted(String(retry.expression), code)) break;
      }
      const values: Record<string, string> = {};
      for (const o of outputs) {
        const text = await readFile(join(outputDir, o.name as string), 'utf8').catch(
          () => undefined,
        );
        values[o.name as string] = text ?? o.valueFrom?.default;
      }
      const phase = attempts.at(-1)?.code === 0 ? 'Succeeded' : 'Failed';
      return { template: name, phase, attempts, outputs: values };
    } finally {
      await rm(outputDir, { recursive: true, force: true });
    }
  };

  const main = await runTemplate(options.entrypoint ?? spec.entrypoint, {
    ...params,
    ...options.parameters,
  });
  workflow.status = main.phase === 'Succeeded' ? 'Succeeded' : 'Failed';
  const onExit = spec.onExit ? await runTemplate(spec.onExit, {}) : undefined;
  return {
    phase: workflow.status as WorkflowRun['phase'],
    main,
    nodes,
    ...(onExit ? { onExit } : {}),
  };
}
