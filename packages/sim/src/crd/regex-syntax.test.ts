import { describe, expect, it } from 'vitest';
import { regexSyntaxError } from './regex-syntax.js';

describe('regexSyntaxError', () => {
  it.each([
    '^/api/v[0-9]+/.*$',
    '(?i)jason|bill',
    '(?P<name>[a-z]+)\\d{2,3}',
    '(?<id>x)(?:y|z)*?',
    '(?s:a.b)',
    '\\p{Greek}+\\PL[[:alpha:]\\s]',
    'a{,3}',
    'a{1000}',
    '\\Qa.b\\E+',
    '[]a]',
    '\\x{1F600}\\101',
  ])('accepts %s, as RE2 does', (pattern) => {
    expect(regexSyntaxError(pattern)).toBeUndefined();
  });

  it.each([
    '(abc',
    'abc)',
    'a[bc',
    '*abc',
    'a|*',
    'a**',
    'a*?+',
    'a{2,1}',
    'a{1001}',
    '(?=x)',
    '(?<=x)',
    '(?P<a-b>x)',
    '\\1',
    '(a)\\1',
    '[z-a]',
    'ab\\',
  ])('refuses %s, as RE2 does, naming the pattern', (pattern) => {
    expect(regexSyntaxError(pattern)).toMatch(
      new RegExp(
        `^error parsing regexp: .+: \`${pattern.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\`$`,
      ),
    );
  });
});
