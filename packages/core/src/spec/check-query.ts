/**
 * Check query templates: PromQL with `{{variable}}` placeholders. The variable set is
 * closed so a typo (`{{workoad}}`) is a spec error instead of a query that silently
 * matches nothing, and every substituted value is validated so it cannot break out of
 * the quoted label matcher it sits in.
 */
import { SpecError, type ValidationIssue } from '../errors.js';
import { durationProblem, formatDuration, tryParseDuration } from './duration.js';
import {
  DNS_LABEL,
  DNS_SUBDOMAIN,
  LABEL_VALUE,
  nameProblem,
  SERVICE_NAME,
  type NameRule,
} from './kubernetes-names.js';
import { closestName } from './closest-name.js';

/** Values substituted into a check query. */
export interface CheckQueryVariables {
  /** `{{service}}`: the Service name (`reviews`). */
  service: string;
  /** `{{namespace}}`: the namespace of the service and its Deployments. */
  namespace: string;
  /** `{{workload}}`: the candidate slot's Deployment (`reviews-green`). */
  workload: string;
  /** `{{stableWorkload}}`: the stable slot's Deployment (`reviews-blue`). */
  stableWorkload: string;
  /** `{{slot}}`: the candidate slot's label value (`green`; matches `destination_version`). */
  slot: string;
  /**
   * `{{candidate}}`: the label matchers of the candidate's requests as the route backend
   * counts them (`reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"`
   * through a VirtualService; `reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"`
   * through an HTTPRoute, whose slots are Services).
   */
  candidate: string;
  /** `{{stable}}`: the same for the stable slot. */
  stable: string;
  /**
   * `{{window}}`: the check window, as a duration string (`1m`) or in milliseconds; rendered
   * in canonical form (`1m30s`), which Prometheus accepts in range selectors.
   */
  window: string | number;
}

/** Name of a template variable. */
export type CheckTemplateVariable = keyof CheckQueryVariables;

/** Every variable a check query may use. */
export const CHECK_TEMPLATE_VARIABLES: readonly CheckTemplateVariable[] = Object.freeze([
  'service',
  'namespace',
  'workload',
  'stableWorkload',
  'slot',
  'candidate',
  'stable',
  'window',
]);

const NAME_RULES: Record<Exclude<CheckTemplateVariable, 'window' | SelectorVariable>, NameRule> = {
  service: SERVICE_NAME,
  namespace: DNS_LABEL,
  workload: DNS_SUBDOMAIN,
  stableWorkload: DNS_SUBDOMAIN,
  slot: LABEL_VALUE,
};

/** Variables holding label matchers rather than names. */
type SelectorVariable = 'candidate' | 'stable';

function isSelectorVariable(name: CheckTemplateVariable): name is SelectorVariable {
  return name === 'candidate' || name === 'stable';
}

/**
 * `label="value"` (or `=~"regex"`: a mixed mesh's `reporter=~"source|waypoint"`) matchers
 * joined by commas, values without quotes or backslashes.
 */
const LABEL_MATCHERS = /^[a-zA-Z_][a-zA-Z0-9_]*=~?"[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*=~?"[^"\\]*")*$/;

const PLACEHOLDER_RE = /\{\{\s*([^{}]*?)\s*\}\}/g;

function isTemplateVariable(name: string): name is CheckTemplateVariable {
  return (CHECK_TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

const KNOWN_LIST = CHECK_TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(', ');

/**
 * Every problem of a query template: unknown variables (named, with the closest known one)
 * and unbalanced braces. Empty when the template is usable.
 */
export function checkTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER_RE)) {
    const name = match[1] ?? '';
    if (isTemplateVariable(name) || seen.has(name)) continue;
    seen.add(name);
    const suggestion = closestName(name, CHECK_TEMPLATE_VARIABLES);
    problems.push(
      `unknown template variable "{{${name}}}"` +
        (suggestion ? ` (did you mean "{{${suggestion}}}"?)` : '') +
        `; known: ${KNOWN_LIST}`,
    );
  }
  const rest = template.replace(PLACEHOLDER_RE, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    problems.push('unbalanced "{{" or "}}": write variables as {{name}}');
  }
  return problems;
}

/** The variables a template uses, each once, in order of first use. */
export function checkTemplateVariables(template: string): CheckTemplateVariable[] {
  const used: CheckTemplateVariable[] = [];
  for (const match of template.matchAll(PLACEHOLDER_RE)) {
    const name = match[1] ?? '';
    if (isTemplateVariable(name) && !used.includes(name)) used.push(name);
  }
  return used;
}

function renderWindow(window: string | number): string | { problem: string } {
  if (typeof window === 'number') {
    return Number.isFinite(window) && window > 0
      ? formatDuration(window)
      : { problem: `must be a positive number of milliseconds, got ${window}` };
  }
  const ms = tryParseDuration(window);
  if (ms === undefined) return { problem: durationProblem(window) ?? 'not a duration' };
  if (ms === 0) return { problem: 'must be longer than 0s' };
  return formatDuration(ms);
}

/**
 * Substitutes `variables` into `template`.
 *
 * Only variables the template uses are validated: Kubernetes name rules for names, a
 * positive duration for the window.
 *
 * @param options.path - Spec path reported in errors (default `query`).
 * @throws SpecError listing every unknown variable, unbalanced brace and invalid value.
 */
export function renderCheckQuery(
  template: string,
  variables: CheckQueryVariables,
  options: { path?: string } = {},
): string {
  const path = options.path ?? 'query';
  const issues: ValidationIssue[] = checkTemplateProblems(template).map((message) => ({
    path,
    message,
  }));
  const rendered = new Map<CheckTemplateVariable, string>();
  for (const name of checkTemplateVariables(template)) {
    if (name === 'window') {
      const window = renderWindow(variables.window);
      if (typeof window === 'string') rendered.set(name, window);
      else issues.push({ path, message: `variable {{window}}: ${window.problem}` });
      continue;
    }
    if (isSelectorVariable(name)) {
      const matchers = variables[name];
      if (LABEL_MATCHERS.test(matchers)) rendered.set(name, matchers);
      else
        issues.push({
          path,
          message: `variable {{${name}}}: not a list of label="value" matchers`,
        });
      continue;
    }
    const value = variables[name];
    const problem = nameProblem(value, NAME_RULES[name]);
    if (problem === undefined) rendered.set(name, value);
    else issues.push({ path, message: `variable {{${name}}}: ${problem}` });
  }
  if (issues.length > 0) throw new SpecError(issues);
  return template.replace(
    PLACEHOLDER_RE,
    (_placeholder, name: string) => rendered.get(name as CheckTemplateVariable) ?? '',
  );
}
