/**
 * The name rules Kubernetes and Istio apply, checked before anything reaches a cluster so
 * a typo is a spec error with a path, not a 422 halfway through a release. Names are also
 * substituted into PromQL, where these rules keep quotes and braces out.
 *
 * Each pattern carries its length limit as a lookahead so one regular expression (and one
 * message) covers both, and the same pattern can go into the JSON Schema.
 */

/** A kind of name, with its rule. */
export interface NameRule {
  /** What the rule is called in messages. */
  readonly label: string;
  /** ECMAScript pattern, anchored, length limit included. */
  readonly pattern: string;
  /** What a valid name looks like, for messages. */
  readonly hint: string;
}

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/** RFC 1123 label: namespaces, subsets, container names. */
export const DNS_LABEL: NameRule = {
  label: 'Kubernetes name',
  pattern: `^(?=.{1,63}$)${LABEL}$`,
  hint: 'lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
};

/** RFC 1035 label: Service names (must start with a letter). */
export const SERVICE_NAME: NameRule = {
  label: 'Service name',
  pattern: '^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$',
  hint: 'lowercase letters, digits and "-", starting with a letter and ending with a letter or digit, at most 63 characters',
};

/** RFC 1123 subdomain: Deployments, VirtualServices, DestinationRules, service hosts. */
export const DNS_SUBDOMAIN: NameRule = {
  label: 'Kubernetes object name',
  pattern: `^(?=.{1,253}$)${LABEL}(\\.${LABEL})*$`,
  hint: 'lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters',
};

/** Label value (non-empty here: an empty slot label value would select unlabelled pods). */
export const LABEL_VALUE: NameRule = {
  label: 'label value',
  pattern: '^(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
  hint: 'letters, digits, "-", "_" and ".", starting and ending with a letter or digit, at most 63 characters',
};

/** Label key: optional DNS subdomain prefix and `/`, then a name. */
export const LABEL_KEY: NameRule = {
  label: 'label key',
  pattern: `^(?:(?=[^/]{1,253}/)${LABEL}(?:\\.${LABEL})*/)?(?=[^/]{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`,
  hint: 'an optional DNS prefix and "/", then letters, digits, "-", "_" and "." (at most 63), like "version" or "app.kubernetes.io/version"',
};

/** A name for a check: shown in events and kept in the release record. */
export const CHECK_NAME: NameRule = { ...DNS_LABEL, label: 'check name' };

const compiled = new Map<string, RegExp>();

/** True when `value` is a string satisfying `rule`. */
export function isValidName(value: unknown, rule: NameRule): value is string {
  if (typeof value !== 'string') return false;
  let re = compiled.get(rule.pattern);
  if (!re) {
    re = new RegExp(rule.pattern);
    compiled.set(rule.pattern, re);
  }
  return re.test(value);
}

/** Why `value` is not a valid name under `rule`, or undefined when it is. */
export function nameProblem(value: unknown, rule: NameRule): string | undefined {
  if (isValidName(value, rule)) return undefined;
  if (typeof value !== 'string') return `must be a ${rule.label} (${rule.hint})`;
  if (value === '') return 'must not be empty';
  const lower = value.toLowerCase();
  const hint = lower !== value && isValidName(lower, rule) ? ` (did you mean "${lower}"?)` : '';
  return `${JSON.stringify(value)} is not a valid ${rule.label}: ${rule.hint}${hint}`;
}
