/**
 * JSON as the API server's decoders report it: a body that is not JSON is refused before
 * anything is decoded (the reason is JavaScript's parser's, not Go's scanner's wording:
 * docs/conformance.md), and a value of the wrong JSON type is named as Go's decoder names it
 * in `cannot unmarshal <kind> into Go value of type T`.
 */

/** Why `data` is not JSON, or undefined when it is. */
export function jsonSyntaxError(data: Uint8Array): string | undefined {
  try {
    JSON.parse(Buffer.from(data).toString('utf8'));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The JSON kind of a decoded value as Go names it in `cannot unmarshal <kind> into ...`. */
export function goJsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
    case 'number':
      return typeof value;
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}
