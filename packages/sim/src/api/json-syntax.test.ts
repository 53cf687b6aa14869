import { describe, expect, it } from 'vitest';
import { goJsonKind, jsonSyntaxError } from './json-syntax.js';

describe('jsonSyntaxError', () => {
  // Inputs Go 1.26's encoding/json refuses.
  it.each([
    '',
    '{"kind": ',
    'nul',
    '{} x',
    '[1,]',
    '{"a" 1}',
    '{"a":1 "b":2}',
    '{1:2}',
    '[1 2]',
    'tru',
    'fals3',
    '-x',
    '1.',
    '1.5e',
    '1e+',
    '"a\\q"',
    '"\\u12g4"',
    '"a\nb"',
    "'single'",
    '{"a":1}}',
    'é',
    '01',
    '[',
    '{"a":',
    '  ',
    '"abc',
    '1.5E+3x',
  ])('refuses %j, as Go does', (input) => {
    expect(jsonSyntaxError(Buffer.from(input, 'utf8'))).toEqual(expect.any(String));
  });

  it.each(['{}', ' [1, 2.5e-3, "x\\u00e9", true, false, null] ', '{"a":{"b":[]}}', '-0', '"\\/"'])(
    'accepts %j',
    (input) => {
      expect(jsonSyntaxError(Buffer.from(input, 'utf8'))).toBeUndefined();
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
