import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ISTIO_CRDS_URL, ISTIO_POLICY_CRDS_URL } from './crd-catalog.js';
import { CelSyntaxError } from './cel-parser.js';
import { CelUnsupportedError, compileCel } from './cel-program.js';
import { toCelValue, type CelValue } from './cel-values.js';

function collectRules(node: unknown, found: string[]): string[] {
  if (Array.isArray(node)) {
    for (const item of node) collectRules(item, found);
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations' && Array.isArray(value)) {
        for (const rule of value as { rule: string }[]) found.push(rule.rule);
      }
      collectRules(value, found);
    }
  }
  return found;
}

const run = (rule: string, self: unknown): CelValue =>
  compileCel(rule).evaluate(toCelValue(self, undefined));

describe('the CEL subset', () => {
  it('compiles every x-kubernetes-validations rule in the Istio CRD file', () => {
    const rules = collectRules(loadAll(readFileSync(ISTIO_CRDS_URL, 'utf8')), []);
    // 150 duration rules, 9 label-selector rules and 9 TLS exclusivity rules across three versions.
    expect(rules).toHaveLength(168);
    for (const rule of new Set(rules)) expect(() => compileCel(rule), rule).not.toThrow();
  });

  it('compiles every rule of the ServiceEntry and PeerAuthentication CRDs', () => {
    const rules = collectRules(loadAll(readFileSync(ISTIO_POLICY_CRDS_URL, 'utf8')), []);
    expect(new Set(rules).size).toBe(17);
    for (const rule of new Set(rules)) expect(() => compileCel(rule), rule).not.toThrow();
  });

  it('takes substrings by code point, with the strings library errors', () => {
    const rule =
      'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true';
    expect(run(rule, 'unix:///var/run/sock')).toEqual({ kind: 'bool', value: true });
    expect(run(rule, 'unix://@abstract')).toEqual({ kind: 'bool', value: true });
    expect(run(rule, 'unix://relative')).toEqual({ kind: 'bool', value: false });
    expect(run(rule, 'unix://')).toEqual({ kind: 'error', message: 'index out of range: 8' });
    expect(run('self.substring(1)', 'h\u00e9!')).toEqual({ kind: 'string', value: '\u00e9!' });
    expect(run('self.substring(2, 1)', 'abc')).toEqual({
      kind: 'error',
      message: 'invalid substring range. start: 2, end: 1',
    });
  });

  it('converts strings with int() like strconv.ParseInt', () => {
    const rule = 'self.all(key, 0 < int(key) && int(key) <= 65535)';
    expect(run(rule, { '80': 'STRICT', '8080': 'DISABLE' })).toEqual({ kind: 'bool', value: true });
    expect(run(rule, { '70000': 'STRICT' })).toEqual({ kind: 'bool', value: false });
    expect(run(rule, { http: 'STRICT' })).toEqual({
      kind: 'error',
      message: 'strconv.ParseInt: parsing "http": invalid syntax',
    });
    expect(run('int(self)', 2.9)).toEqual({ kind: 'int', value: 2n });
  });

  it('matches RE2 patterns anywhere in the string unless anchored', () => {
    const rule =
      'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))';
    expect(run(rule, { app: 'x', 'a-b': 'y' })).toEqual({ kind: 'bool', value: true });
    expect(run(rule, { '-app': 'x' })).toEqual({ kind: 'bool', value: false });
    expect(run('self.matches("b+")', 'abbc')).toEqual({ kind: 'bool', value: true });
  });

  it('counts exactly one match with exists_one', () => {
    const rule = 'self.all(l1, self.exists_one(l2, l1.number == l2.number))';
    expect(run(rule, [{ number: 80 }, { number: 443 }])).toEqual({ kind: 'bool', value: true });
    expect(run(rule, [{ number: 80 }, { number: 80 }])).toEqual({ kind: 'bool', value: false });
    expect(run('self.exists_one(x, x.missing == 1)', [{}])).toEqual({
      kind: 'error',
      message: 'no such key: missing',
    });
  });

  it('compares Go durations with duration()', () => {
    const rule = "duration(self) >= duration('1ms')";
    expect(run(rule, '1ms')).toEqual({ kind: 'bool', value: true });
    expect(run(rule, '1h2m3.5s')).toEqual({ kind: 'bool', value: true });
    expect(run(rule, '0.5ms')).toEqual({ kind: 'bool', value: false });
    expect(run(rule, '999us')).toEqual({ kind: 'bool', value: false });
    expect(run(rule, 'soon')).toEqual({
      kind: 'error',
      message: "type conversion error from 'string' to 'google.protobuf.Duration'",
    });
  });

  it('ranges all() over map keys and string functions over them', () => {
    expect(run('self.all(key, key.size() != 0)', { app: 'x', version: 'v1' })).toEqual({
      kind: 'bool',
      value: true,
    });
    expect(run('self.all(key, key.size() != 0)', { '': 'x' })).toEqual({
      kind: 'bool',
      value: false,
    });
    expect(run('self.all(key, !key.contains("*"))', { 'app*': 'x' })).toEqual({
      kind: 'bool',
      value: false,
    });
    expect(run('!self.contains("*")', 'v*')).toEqual({ kind: 'bool', value: false });
    expect(run('[1, 2, 3].exists(n, n > 2)', null)).toEqual({ kind: 'bool', value: true });
  });

  it('counts set fields with has() in conditionals', () => {
    const rule = '(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1';
    expect(run(rule, { credentialName: 'a' })).toEqual({ kind: 'bool', value: true });
    expect(run(rule, { credentialName: 'a', credentialNames: ['b'] })).toEqual({
      kind: 'bool',
      value: false,
    });
    expect(run(rule, {})).toEqual({ kind: 'bool', value: true });
  });

  it('absorbs errors in && and || when the other side decides, like cel-go', () => {
    expect(run('self.missing == 1 || true', {})).toEqual({ kind: 'bool', value: true });
    expect(run('false && self.missing == 1', {})).toEqual({ kind: 'bool', value: false });
    expect(run('self.missing == 1 && true', {})).toEqual({
      kind: 'error',
      message: 'no such key: missing',
    });
  });

  it('counts code points in size() and reports integer overflow', () => {
    expect(run('self.size()', 'h\u00e9\u{1f600}')).toEqual({ kind: 'int', value: 3n });
    expect(run('9223372036854775807 + 1', null)).toEqual({
      kind: 'error',
      message: 'integer overflow',
    });
  });

  it('rejects constructs outside the subset when compiling, not when evaluating', () => {
    expect(() => compileCel('self.matches(self)')).toThrow(CelUnsupportedError);
    expect(() => compileCel("self.matches('(?P<n>a)')")).toThrow(CelUnsupportedError);
    expect(() => compileCel("self.matches('(')")).toThrow(CelSyntaxError);
    expect(() => compileCel('self.lowerAscii() == "a"')).toThrow(CelUnsupportedError);
    expect(() => compileCel('self == oldSelf')).toThrow(CelUnsupportedError);
    expect(() => compileCel('other.size() > 0')).toThrow(CelUnsupportedError);
    expect(() => compileCel('uint(self) > 0u')).toThrow(CelUnsupportedError);
    expect(() => compileCel('has(self)')).toThrow(CelSyntaxError);
    expect(() => compileCel('Foo{a: 1}')).toThrow(CelSyntaxError);
    expect(() => compileCel('self.size( > 0')).toThrow(CelSyntaxError);
  });
});
