import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ISTIO_CRDS_URL } from './crd-catalog.js';
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
    expect(() => compileCel("self.matches('^a$')")).toThrow(CelUnsupportedError);
    expect(() => compileCel('self == oldSelf')).toThrow(CelUnsupportedError);
    expect(() => compileCel('other.size() > 0')).toThrow(CelUnsupportedError);
    expect(() => compileCel('int(self) > 0')).toThrow(CelUnsupportedError);
    expect(() => compileCel('has(self)')).toThrow(CelSyntaxError);
    expect(() => compileCel('Foo{a: 1}')).toThrow(CelSyntaxError);
    expect(() => compileCel('self.size( > 0')).toThrow(CelSyntaxError);
  });
});
