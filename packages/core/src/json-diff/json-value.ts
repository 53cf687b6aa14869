/**
 * JSON values as Kubernetes stores them. Route surgery and the record work on plain objects
 * parsed from API responses, so equality is structural: key order never matters, array
 * order does, and a key whose value is `undefined` counts as absent (JSON serialisation
 * drops it).
 */

/** True for a non-null, non-array object (a JSON object). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keys of a JSON object whose values are defined, in insertion order. */
export function definedKeys(object: Record<string, unknown>): string[] {
  return Object.keys(object).filter((key) => object[key] !== undefined);
}

/** Structural equality of two JSON values (RFC 6902 `test` semantics). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const keysA = definedKeys(a);
    const keysB = definedKeys(b);
    if (keysA.length !== keysB.length) return false;
    return keysA.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}
