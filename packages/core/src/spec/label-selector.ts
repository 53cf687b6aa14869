/**
 * Label selectors in their string form (`app=productpage,tier!=db,env in (a,b),!legacy`),
 * checked with the grammar the API server uses, so a typo fails before a release instead
 * of silently scoping the sync gate to no proxies.
 */
import { isValidName, LABEL_KEY, LABEL_VALUE } from './kubernetes-names.js';

const isKey = (key: string): boolean => isValidName(key, LABEL_KEY);

const SET_RE = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/;
const EQUALITY_RE = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/;

function splitRequirements(selector: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const char = selector[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (char === ',' && depth === 0) {
      parts.push(selector.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (depth !== 0) return undefined;
  parts.push(selector.slice(start).trim());
  return parts;
}

const isValue = (value: string): boolean => value === '' || isValidName(value, LABEL_VALUE);

function requirementProblem(requirement: string): string | undefined {
  if (requirement === '') return 'has an empty requirement (a stray ",")';
  const set = SET_RE.exec(requirement);
  if (set) {
    const [, key = '', , list = ''] = set;
    if (!isKey(key)) return `"${key}" is not a valid label key`;
    const values = list.split(',').map((value) => value.trim());
    const bad = values.find((value) => !isValue(value));
    return bad === undefined ? undefined : `"${bad}" is not a valid label value`;
  }
  const equality = EQUALITY_RE.exec(requirement);
  if (equality) {
    const [, key = '', , value = ''] = equality;
    if (!isKey(key)) return `"${key}" is not a valid label key`;
    return isValue(value.trim()) ? undefined : `"${value.trim()}" is not a valid label value`;
  }
  const key = requirement.startsWith('!') ? requirement.slice(1).trim() : requirement;
  return isKey(key)
    ? undefined
    : `"${requirement}" is not a label requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
}

/** Why `selector` is not a valid label selector, or undefined when it is. */
export function labelSelectorProblem(selector: string): string | undefined {
  const requirements = splitRequirements(selector);
  if (!requirements) return `"${selector}" has unbalanced parentheses`;
  for (const requirement of requirements) {
    const problem = requirementProblem(requirement);
    if (problem) return `invalid label selector: ${problem}`;
  }
  return undefined;
}
