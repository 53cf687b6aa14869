/**
 * Request bodies encoded the way the API server encodes objects (Go's `encoding/json`):
 * `<`, `>` and `&` in strings as `\u003c`, `\u003e`, `\u0026`, and U+2028/U+2029 escaped.
 *
 * It matters for JSON Patch: the API server applies a patch to its own encoding of the
 * stored object, and a `test` op compares string values as raw JSON bytes. A record or a
 * route holding `>=` would otherwise never match what was written a moment before, and the
 * write would fail as if someone had edited the object (422).
 */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;

/** `JSON.stringify`, then Go's escapes (these characters occur only inside strings). */
export function toKubeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    GO_ESCAPED,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
