/**
 * The JSON Patch operations switchyard writes (RFC 6902): `add`, `replace`, `remove`, and
 * the `test` operations that pin what a patch replaces.
 */

/** One RFC 6902 JSON Patch operation. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: unknown }
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'test'; path: string; value: unknown };
