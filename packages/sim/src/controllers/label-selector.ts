/**
 * Label selector evaluation with Kubernetes' semantics (`metav1.LabelSelectorAsSelector`):
 * an absent selector selects nothing, an empty one selects everything, `matchLabels` and
 * every `matchExpressions` requirement must all hold.
 */
import type { LabelSelector } from './kube-shapes.js';

/** True when `selector` selects an object carrying `labels`. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!selector) return false;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, requirement.key);
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case 'In':
        if (!present || !values.includes(have[requirement.key] as string)) return false;
        break;
      case 'NotIn':
        // Like Kubernetes, NotIn also matches objects without the label.
        if (present && values.includes(have[requirement.key] as string)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        // An unknown operator fails validation in a real cluster; select nothing.
        return false;
    }
  }
  return true;
}

/** True for `{}`: a selector without requirements, which selects every object. */
export function selectsEverything(selector: LabelSelector | undefined): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/** True when every key/value of `required` (a Service selector) is in `labels`. */
export function labelsMatch(
  required: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(required)) {
    if (have[key] !== value) return false;
  }
  return true;
}

/** True when two label maps hold the same pairs (absent and empty are equal). */
export function labelsEqual(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === b) return true;
  const keys = Object.keys(a ?? {});
  if (keys.length !== Object.keys(b ?? {}).length) return false;
  return keys.every((k) => a?.[k] === b?.[k]);
}
