import { describe, expect, it } from 'vitest';
import { goEncodeLeaf, parseRawJson, rawEqual } from './go-json-bytes.js';

describe('rawEqual: a JSON Patch test op as the real API server compares it', () => {
  it.each([
    ['a string without HTML characters', 'reviews', '"reviews"', true],
    ['">=" written raw', 'a >= b', '"a >= b"', false],
    ['">=" written as Go does', 'a >= b', '"a \\u003e= b"', true],
    ['"&" written raw', 'x & y', '"x & y"', false],
    ['an escaped letter', 'abc', '"\\u0061bc"', false],
    ['an integer', 50, '50', true],
    ['an integer written as a float', 50, '50.0', false],
    ['a float', 0.25, '0.25', true],
    ['true', true, 'true', true],
    ['null', null, 'null', true],
    ['a number against a string', 50, '"50"', false],
  ])('%s', (_what, stored, raw, equal) => {
    expect(rawEqual(stored, parseRawJson(raw))).toBe(equal);
  });

  it('compares objects member by member, whatever their order and spacing', () => {
    const stored = { route: [{ destination: { subset: 'blue' }, weight: 80 }], name: 'primary' };
    expect(
      rawEqual(
        stored,
        parseRawJson(
          '{ "name" : "primary", "route": [ {"weight":80, "destination":{"subset":"blue"}} ] }',
        ),
      ),
    ).toBe(true);
    expect(rawEqual(stored, parseRawJson('{"name":"primary","route":[]}'))).toBe(false);
    expect(
      rawEqual(
        stored,
        parseRawJson(
          '{"name":"primary","route":[{"destination":{"subset":"blue"},"weight":80}],"x":1}',
        ),
      ),
    ).toBe(false);
  });

  it('takes the last of repeated keys, as Go does', () => {
    const node = parseRawJson('{"a": 1, "a": 2}');
    expect(rawEqual({ a: 2 }, node)).toBe(true);
  });

  it('encodes leaves as Go does', () => {
    expect(goEncodeLeaf('<a href="x">&</a>\u2028')).toBe(
      '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028"',
    );
  });
});
