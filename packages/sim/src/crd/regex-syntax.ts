/**
 * Whether istiod would accept a regular expression (Go's RE2 syntax): JavaScript compiles it
 * after RE2's spellings of flags and named groups are translated, and what JavaScript accepts
 * but RE2 does not (lookarounds, backreferences, repeat counts over 1000) is refused. The
 * message names the pattern but is not Go's wording (docs/conformance.md). Not checked:
 * unknown Unicode and POSIX class names, which JavaScript without the `u` flag reads literally.
 */

const LOOKAROUND = /\(\?<?[=!]/;
const BACKREFERENCE = /(?<!\\)(?:\\\\)*\\[1-9](?!\d)/;
const REPEAT = /\{(\d*)(?:,(\d*))?\}/g;

/** `error parsing regexp: <why>: `<pattern>`` when RE2 would refuse `pattern`, else undefined. */
export function regexSyntaxError(pattern: string): string | undefined {
  const refuse = (why: string): string => `error parsing regexp: ${why}: \`${pattern}\``;
  if (LOOKAROUND.test(pattern)) return refuse('lookaround assertions are not supported');
  if (BACKREFERENCE.test(pattern)) return refuse('backreferences are not supported');
  for (const [, min = '', max = ''] of pattern.matchAll(REPEAT))
    if (Number(min) > 1000 || Number(max) > 1000) return refuse('invalid repeat count');
  const javascript = pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?[imsU-]+\)/g, '')
    .replace(/\(\?[imsU-]+:/g, '(?:');
  try {
    new RegExp(javascript);
    return undefined;
  } catch (error) {
    return refuse((error as Error).message.split(': ').pop() ?? 'invalid syntax');
  }
}
