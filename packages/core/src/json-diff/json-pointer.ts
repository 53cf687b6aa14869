/**
 * RFC 6901 JSON Pointers, the paths of JSON Patch operations. `~` and `/` inside a key are
 * escaped as `~0` and `~1`, so annotation keys like `switchyard.io/state` stay one segment.
 */

/** Escapes one key or index as a pointer segment. */
export function escapePointerSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `pointer` extended by one segment: `appendPointer('/spec', 'http')` is `/spec/http`. */
export function appendPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${escapePointerSegment(segment)}`;
}

/**
 * The unescaped segments of a pointer; `''` (the whole document) has none. Undefined when
 * the pointer is malformed (non-empty and not starting with `/`).
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}
