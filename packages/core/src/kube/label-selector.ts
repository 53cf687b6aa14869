/**
 * Label selectors, the one copy of Kubernetes' rule in core. A selector comes in three
 * forms: a map (Service `selector`, DestinationRule subset `labels`, Gateway `selector`,
 * PeerAuthentication `selector.matchLabels`), a `LabelSelector` (Deployment
 * `spec.selector`: `matchLabels` and set-based `matchExpressions`), and the string a list
 * call's `labelSelector` takes (`app=productpage,tier!=db,env in (a,b),!legacy`, the
 * grammar the API server parses). A map matches when every pair is on the object (an empty
 * one matches everything); the string form parses into a `LabelSelector` with Kubernetes'
 * meanings (`k=v` is `In [v]`, `k!=v` is `NotIn [v]` and so matches objects without `k`).
 */
import { isValidName, LABEL_KEY, LABEL_VALUE } from '../spec/kubernetes-names.js';
import type { LabelSelector } from './kube-types.js';

type Labels = Readonly<Record<string, string>> | undefined;
type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

/** True when every `key: value` of `selector` is in `labels` (an empty selector matches all). */
export function matchesLabels(
  labels: Labels,
  selector: Readonly<Record<string, unknown>> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

function matchesRequirement(labels: Labels, { key, operator, values = [] }: Requirement): boolean {
  const value = labels?.[key];
  switch (operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return false;
  }
}

/** True when `labels` satisfy a `LabelSelector` (matchLabels and matchExpressions). */
export function matchesLabelSelector(labels: Labels, selector: LabelSelector | undefined): boolean {
  return (
    matchesLabels(labels, selector?.matchLabels) &&
    (selector?.matchExpressions ?? []).every((requirement) =>
      matchesRequirement(labels, requirement),
    )
  );
}

/** The selector in a list call's `labelSelector` form (`app=reviews,version in (blue)`). */
export function labelSelectorText(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector?.matchExpressions ?? []) {
    if (operator === 'In') parts.push(`${key} in (${values.join(',')})`);
    else if (operator === 'NotIn') parts.push(`${key} notin (${values.join(',')})`);
    else if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
  }
  return parts.join(',');
}

/** `app=reviews,version=blue`, for messages. */
export function describeLabels(labels: Labels): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0
    ? '(no labels: every pod)'
    : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

// ---------------------------------------------------------------------------------------
// The string form
// ---------------------------------------------------------------------------------------

/** A selector parsed from its string form, or why it is not one. */
export type ParsedLabelSelector =
  | { readonly selector: LabelSelector; readonly problem?: undefined }
  | { readonly selector?: undefined; readonly problem: string };

const SET_RE = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/;
const EQUALITY_RE = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/;
const REQUIREMENT_FORMS = 'key, !key, key=value, key!=value, key in (a,b), key notin (a,b)';

const isKey = (key: string): boolean => isValidName(key, LABEL_KEY);
const isValue = (value: string): boolean => value === '' || isValidName(value, LABEL_VALUE);

function splitRequirements(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(text.slice(start).trim());
  return parts;
}

function parseRequirement(text: string): Requirement | string {
  if (text === '') return 'has an empty requirement (a stray ",")';
  const set = SET_RE.exec(text);
  if (set) {
    const [, key = '', word, list = ''] = set;
    if (!isKey(key)) return `"${key}" is not a valid label key`;
    const values = list.split(',').map((value) => value.trim());
    const bad = values.find((value) => !isValue(value));
    if (bad !== undefined) return `"${bad}" is not a valid label value`;
    return { key, operator: word === 'in' ? 'In' : 'NotIn', values };
  }
  const equality = EQUALITY_RE.exec(text);
  if (equality) {
    const [, key = '', operator, raw = ''] = equality;
    const value = raw.trim();
    if (!isKey(key)) return `"${key}" is not a valid label key`;
    if (!isValue(value)) return `"${value}" is not a valid label value`;
    return { key, operator: operator === '!=' ? 'NotIn' : 'In', values: [value] };
  }
  const absent = text.startsWith('!');
  const key = absent ? text.slice(1).trim() : text;
  if (!isKey(key)) return `"${text}" is not a label requirement (${REQUIREMENT_FORMS})`;
  return { key, operator: absent ? 'DoesNotExist' : 'Exists' };
}

/**
 * A `labelSelector` string as a `LabelSelector` (every requirement a `matchExpressions`
 * entry), checked with the API server's grammar; an empty string selects everything.
 */
export function parseLabelSelector(text: string): ParsedLabelSelector {
  if (text.trim() === '') return { selector: {} };
  const parts = splitRequirements(text);
  if (!parts) return { problem: `"${text}" has unbalanced parentheses` };
  const matchExpressions: Requirement[] = [];
  for (const part of parts) {
    const requirement = parseRequirement(part);
    if (typeof requirement === 'string')
      return { problem: `invalid label selector: ${requirement}` };
    matchExpressions.push(requirement);
  }
  return { selector: { matchExpressions } };
}

/** Why `text` is not a valid label selector, or undefined when it is. */
export function labelSelectorProblem(text: string): string | undefined {
  return parseLabelSelector(text).problem;
}

/** True when `labels` match a `labelSelector` string; throws when it is not one. */
export function matchesLabelSelectorText(labels: Labels, text: string | undefined): boolean {
  const parsed = parseLabelSelector(text ?? '');
  if (parsed.problem !== undefined) throw new Error(parsed.problem);
  return matchesLabelSelector(labels, parsed.selector);
}
