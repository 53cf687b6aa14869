import { describe, expect, it } from 'vitest';
import { goFixed, goFloat, goQuote, goValue } from './go-format.js';

describe('Go value formatting', () => {
  it.each([
    [0.5, '0.5'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [4294967295, '4.294967295e+09'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-1.25, '-1.25'],
    [Infinity, '+Inf'],
  ])('prints %s as fmt %%v does', (value, text) => {
    expect(goFloat(value)).toBe(text);
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\tnl\n\x01\x7f')).toBe('"tab\\tnl\\n\\x01\\x7f"');
    expect(goQuote('h\u00e9llo \u{1f600}')).toBe('"h\u00e9llo \u{1f600}"');
    expect(goQuote('\u00ad')).toBe('"\\u00ad"');
  });

  it('prints field error values as ErrorBody does (1.36: JSON for everything not simple)', () => {
    expect(goValue(null)).toBe('null');
    expect(goValue({ b: 1, a: ['<&>'] })).toBe('{"a":["\\u003c\\u0026\\u003e"],"b":1}');
    expect(goValue(-1)).toBe('-1');
    expect(goValue(2.5)).toBe('2.5');
    expect(goValue(true)).toBe('true');
    expect(goValue('x')).toBe('"x"');
    expect(goFixed(150)).toBe('150.000000');
  });
});
