import { describe, expect, it } from 'vitest';
import { goRegexpError } from './re2-syntax.js';

describe('goRegexpError', () => {
  it.each([
    '^/api/v[0-9]+/.*$',
    '(?i)jason|bill',
    '(?P<name>[a-z]+)\\d{2,3}',
    '(?<id>x)(?:y|z)*?',
    '\\p{Greek}+\\PL[[:alpha:]\\s]',
    'a{,3}',
    '\\Qa.b\\E+',
    '[]a]',
    '\\x{1F600}\\101',
  ])('accepts %s like Go', (pattern) => {
    expect(goRegexpError(pattern)).toBeUndefined();
  });

  it.each([
    ['(abc', 'missing closing ): `(abc`'],
    ['abc)', 'unexpected ): `abc)`'],
    ['a[bc', 'missing closing ]: `[bc`'],
    ['*abc', 'missing argument to repetition operator: `*`'],
    ['a|*', 'missing argument to repetition operator: `*`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*?+', 'invalid nested repetition operator: `*?+`'],
    ['a{2,1}', 'invalid repeat count: `{2,1}`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<=x)', 'invalid named capture: `(?<=x)`'],
    ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:nope:]]', 'invalid character class range: `[:nope:]`'],
    ['\\p{Nope}', 'invalid character class range: `\\p{Nope}`'],
    ['ab\\', 'trailing backslash at end of expression: ``'],
  ])("rejects %s with Go's message", (pattern, message) => {
    expect(goRegexpError(pattern)).toBe(`error parsing regexp: ${message}`);
  });
});
