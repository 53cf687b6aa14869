/**
 * Label matching the way Kubernetes and Istio do it: a map selector (Service `selector`,
 * subset `labels`, Gateway `selector`, PeerAuthentication `selector.matchLabels`) matches
 * when every pair is on the object; a `LabelSelector` (Deployment `spec.selector`) also has
 * set-based expressions.
 */
import type { LabelSelector } from '../kube/kube-types.js';

/** True when every `key: value` of `selector` is in `labels` (an empty selector matches all). */
export function matchesLabels(
  labels: Readonly<Record<string, string>> | undefined,
  selector: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** True when `labels` satisfy a `LabelSelector` (matchLabels and matchExpressions). */
export function matchesLabelSelector(
  labels: Readonly<Record<string, string>> | undefined,
  selector: LabelSelector | undefined,
): boolean {
  if (!matchesLabels(labels, selector?.matchLabels)) return false;
  return (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
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
  });
}

/** The selector as a list call's `labelSelector` (`app=reviews,version in (blue)`). */
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
export function describeLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length === 0
    ? '(no labels: every pod)'
    : entries.map(([k, v]) => `${k}=${v}`).join(',');
}
