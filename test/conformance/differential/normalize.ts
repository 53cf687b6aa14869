/**
 * What legitimately differs between two API servers given the same requests, taken out
 * so the rest can be compared with `toEqual`: values each server generates (uids,
 * resourceVersions, creation and condition timestamps) become placeholders, and
 * `managedFields` (server-side field tracking, which the simulator does not do: see
 * docs/conformance.md) are removed. Key order is not compared: `toEqual` ignores it.
 */

/** Keys whose values a server generates; replaced by `<key>` wherever they occur. */
const GENERATED_KEYS = new Set([
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'lastUpdateTime',
  'lastTransitionTime',
  'continue',
  // Each server hashes pod templates its own way (kept, docs/conformance.md).
  'pod-template-hash',
]);

/** Options of {@link normalize}. */
export interface NormalizeOptions {
  /** Text replacements applied to every string (generated names, for example). */
  replace?: readonly (readonly [RegExp, string])[];
}

/** A copy of `value` with generated values replaced and `managedFields` removed. */
export function normalize<T>(value: T, options: NormalizeOptions = {}): T {
  const replacements = options.replace ?? [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return replacements.reduce<string>((text, [pattern, by]) => text.replace(pattern, by), node);
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (key === 'managedFields') continue;
      out[key] =
        GENERATED_KEYS.has(key) && child !== undefined && child !== null && child !== ''
          ? `<${key}>`
          : walk(child);
    }
    return out;
  };
  return walk(value) as T;
}

/** ReplicaSet and Pod names carry a pod-template-hash each server computes its own way. */
export function templateHashes(deployments: readonly string[]): [RegExp, string][] {
  return deployments.map((name) => [
    new RegExp(`\\b${name}-[bcdfghjklmnpqrstvwxz2456789]{1,10}\\b(?!-)`, 'g'),
    `${name}-<hash>`,
  ]);
}
