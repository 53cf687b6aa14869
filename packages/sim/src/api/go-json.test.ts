import { describe, expect, it } from 'vitest';
import { goJsonKind, goJsonSyntaxError } from './go-json.js';

// Expected messages printed by Go 1.26's encoding/json for the same inputs.
const GO_MESSAGES: [string, string][] = [
  ['', 'unexpected end of JSON input'],
  ['{"kind": ', 'unexpected end of JSON input'],
  ['nul', "invalid character ' ' in literal null (expecting 'l')"],
  ['{} x', "invalid character 'x' after top-level value"],
  ['[1,]', "invalid character ']' looking for beginning of value"],
  ['{"a" 1}', "invalid character '1' after object key"],
  ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
  ['{1:2}', "invalid character '1' looking for beginning of object key string"],
  ['[1 2]', "invalid character '2' after array element"],
  ['tru', "invalid character ' ' in literal true (expecting 'e')"],
  ['fals3', "invalid character '3' in literal false (expecting 'e')"],
  ['-x', "invalid character 'x' in numeric literal"],
  ['1.', "invalid character ' ' after decimal point in numeric literal"],
  ['1.5e', "invalid character ' ' in exponent of numeric literal"],
  ['1e+', "invalid character ' ' in exponent of numeric literal"],
  ['"a\\q"', "invalid character 'q' in string escape code"],
  ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
  ['"a\nb"', "invalid character '\\n' in string literal"],
  ["'single'", "invalid character '\\'' looking for beginning of value"],
  ['{"a":1}}', "invalid character '}' after top-level value"],
  ['é', "invalid character 'Ã' looking for beginning of value"],
  ['01', "invalid character '1' after top-level value"],
  ['[', 'unexpected end of JSON input'],
  ['{"a":', 'unexpected end of JSON input'],
  ['  ', 'unexpected end of JSON input'],
  ['"abc', 'unexpected end of JSON input'],
  ['1.5E+3x', "invalid character 'x' after top-level value"],
];

describe('goJsonSyntaxError', () => {
  it.each(GO_MESSAGES)('%j: %s', (input, message) => {
    expect(goJsonSyntaxError(Buffer.from(input, 'utf8'))).toBe(message);
  });

  it.each(['{}', ' [1, 2.5e-3, "x\\u00e9", true, false, null] ', '{"a":{"b":[]}}', '-0', '"\\/"'])(
    'accepts %j',
    (input) => {
      expect(goJsonSyntaxError(Buffer.from(input, 'utf8'))).toBeUndefined();
    },
  );
});

describe('goJsonKind', () => {
  it('names values the way Go’s decoder does', () => {
    expect([null, [], {}, 'x', 1, true].map(goJsonKind)).toEqual([
      'null',
      'array',
      'object',
      'string',
      'number',
      'bool',
    ]);
  });
});
