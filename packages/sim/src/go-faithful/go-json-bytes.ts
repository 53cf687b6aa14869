/**
 * JSON as bytes, for JSON Patch `test` ops the way the real API server compares them.
 *
 * evanphx/json-patch v4 (which kube-apiserver applies patches with) keeps every leaf of the
 * patch as raw bytes and compares a leaf (string, number, boolean, null) by its compacted
 * bytes against the API server's own encoding of the stored object (Go's `encoding/json`):
 * objects and arrays are compared member by member, leaves byte for byte. So
 * `{"op":"test","value":"a >= b"}` fails against a stored `a >= b`, which Go encodes as
 * `"a \u003e= b"`, and `1.0` fails against a stored `1`. The simulator compares the same way.
 */

/** A patch value as written: objects and arrays by member, leaves as their source text. */
export type RawNode =
  | { kind: 'object'; members: Map<string, RawNode> }
  | { kind: 'array'; items: RawNode[] }
  | { kind: 'leaf'; text: string };

/** Parses `text` (valid JSON, already checked) into raw nodes. */
export function parseRawJson(text: string): RawNode {
  let at = 0;
  const skip = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  };
  const value = (): RawNode => {
    skip();
    const c = text[at];
    if (c === '{') {
      at++;
      const members = new Map<string, RawNode>();
      skip();
      if (text[at] === '}') {
        at++;
        return { kind: 'object', members };
      }
      for (;;) {
        skip();
        const key = JSON.parse(stringToken()) as string;
        skip();
        at++; // ':'
        // A repeated key: the last one wins, as in Go's decoder.
        members.set(key, value());
        skip();
        if (text[at++] === '}') return { kind: 'object', members };
      }
    }
    if (c === '[') {
      at++;
      const items: RawNode[] = [];
      skip();
      if (text[at] === ']') {
        at++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(value());
        skip();
        if (text[at++] === ']') return { kind: 'array', items };
      }
    }
    if (c === '"') return { kind: 'leaf', text: stringToken() };
    const start = at;
    while (at < text.length && !',]} \t\n\r'.includes(text[at] as string)) at++;
    return { kind: 'leaf', text: text.slice(start, at) };
  };
  const stringToken = (): string => {
    const start = at;
    at++; // opening quote
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return text.slice(start, at);
  };
  return value();
}

const GO_ESCAPED = /[<>&\u2028\u2029]/g;

/** JSON text as Go's `encoding/json` writes it (HTML characters and U+2028/9 escaped). */
function goEscaped(json: string): string {
  return json.replace(GO_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A leaf as Go's `encoding/json` writes it. */
export function goEncodeLeaf(value: unknown): string {
  return goEscaped(JSON.stringify(value));
}

/** Go's `json.Marshal` of a decoded JSON value: map keys sorted, HTML characters escaped. */
export function goJson(value: unknown): string {
  const sorted = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sorted);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.keys(node)
        .sort()
        .map((key) => [key, sorted((node as Record<string, unknown>)[key])]),
    );
  };
  return goEscaped(JSON.stringify(sorted(value)) ?? 'null');
}

/** Whether a stored value equals a patch's raw value, by evanphx v4's rules. */
export function rawEqual(stored: unknown, raw: RawNode): boolean {
  if (stored !== null && typeof stored === 'object') {
    if (Array.isArray(stored)) {
      return (
        raw.kind === 'array' &&
        raw.items.length === stored.length &&
        stored.every((item, i) => rawEqual(item, raw.items[i] as RawNode))
      );
    }
    if (raw.kind !== 'object') return false;
    const entries = Object.entries(stored as Record<string, unknown>);
    if (entries.length !== raw.members.size) return false;
    return entries.every(([key, item]) => {
      const other = raw.members.get(key);
      return other !== undefined && rawEqual(item, other);
    });
  }
  return raw.kind === 'leaf' && raw.text === goEncodeLeaf(stored);
}
