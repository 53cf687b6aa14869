/**
 * The `x-kubernetes-validations` rules of the CRDs the simulator serves, each written out in
 * TypeScript and looked up by its CEL source text. The simulator does not interpret CEL: a CRD
 * whose rule is not in this table is refused when it is loaded (`UnknownRuleError`, naming the
 * CRD and the rule), so a new CRD cannot silently skip validation. To serve one, add its rules
 * here, and compare the answers with the real API server (test/conformance).
 *
 * How a rule's outcome is reported follows apiextensions' CEL validator
 * (apiserver/schema/cel/validation.go): rules of a schema node run on every non-null value at
 * that node; list items are addressed as `[i]`, map values as `[key]`; a false result reports
 * the rule's message (or `failed rule: <rule>`) with the value for scalars and without it for
 * objects and lists; a rule that cannot evaluate reports `<error> evaluating rule: <message>`.
 */
import type { FieldProblem } from '../store/admission.js';
import { OMIT_VALUE, invalidProblem, requiredProblem } from './field-problems.js';
import { goValue } from './go-format.js';
import { parseGoDuration } from '../go-faithful/go-duration.js';
import type { CompiledRule, SchemaNode } from './structural-schema.js';

/** A rule that cannot evaluate on this value: CEL's error, reported as an evaluation error. */
class RuleEvaluationError extends Error {}

/** A rule's check of `self`: true when the value passes. Throws `RuleEvaluationError`. */
export type RuleCheck = (self: unknown) => boolean;

/** A CRD's rule that is not in the table below. */
export class UnknownRuleError extends Error {
  override readonly name = 'UnknownRuleError';
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** CEL's `has(self.field)`: the field is present (null included). */
const has = (self: unknown, field: string): boolean => isObject(self) && Object.hasOwn(self, field);

function string(value: unknown): string {
  if (typeof value !== 'string') throw new RuleEvaluationError('no such overload');
  return value;
}

/** The keys of a map (`self.all(key, ...)` ranges over them). */
function keys(self: unknown): string[] {
  if (!isObject(self)) throw new RuleEvaluationError('no such overload');
  return Object.keys(self);
}

/**
 * CEL's `all` (`want` true) or `exists` (`want` false) macro: a decisive item wins even when
 * another one cannot evaluate; otherwise the first evaluation error is the result.
 */
function quantify<T>(items: readonly T[], predicate: (item: T) => boolean, all: boolean): boolean {
  let error: RuleEvaluationError | undefined;
  for (const item of items) {
    try {
      if (predicate(item) !== all) return !all;
    } catch (caught) {
      if (!(caught instanceof RuleEvaluationError)) throw caught;
      error ??= caught;
    }
  }
  if (error) throw error;
  return all;
}
const every = <T>(items: readonly T[], predicate: (item: T) => boolean) =>
  quantify(items, predicate, true);
const some = <T>(items: readonly T[], predicate: (item: T) => boolean) =>
  quantify(items, predicate, false);

/** CEL's `duration()` of a string, in nanoseconds. */
function duration(value: unknown): bigint {
  const parsed = parseGoDuration(string(value));
  if (parsed === undefined)
    throw new RuleEvaluationError(
      "type conversion error from 'string' to 'google.protobuf.Duration'",
    );
  return parsed;
}

/** CEL's `int()` of a string (strconv.ParseInt in base 10). */
function int(value: unknown): number {
  const text = string(value);
  if (!/^[+-]?[0-9]+$/.test(text))
    throw new RuleEvaluationError(
      `strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`,
    );
  return Number(text);
}

/** `substring(7, 8)` of the strings library: code points, out of range is an error. */
function eighthCharacter(text: string): string {
  const runes = [...text];
  if (runes.length < 8) throw new RuleEvaluationError('index out of range: 8');
  return runes[7] as string;
}

const size = (text: string): number => [...text].length;

/** `(has(self.a) ? 1 : 0) + (has(self.b) ? 1 : 0) <= 1`: at most one of two fields is set. */
function atMostOneOf(a: string, b: string): [string, RuleCheck] {
  return [
    `(has(self.${a}) ? 1 : 0) + (has(self.${b}) ? 1 : 0) <= 1`,
    (self) => Number(has(self, a)) + Number(has(self, b)) <= 1,
  ];
}

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const ONE_MILLISECOND = 1_000_000n;

/** Every rule of `assets/networking-crds.yaml` and `assets/policy-crds.yaml`, by source text. */
const KNOWN_RULES: ReadonlyMap<string, RuleCheck> = new Map<string, RuleCheck>([
  // Durations (VirtualService timeouts, DestinationRule connection pools, ...).
  ["duration(self) >= duration('1ms')", (self) => duration(self) >= ONE_MILLISECOND],
  // Label selectors (workloadSelector, PeerAuthentication and ServiceEntry selectors).
  ['self.all(key, !key.contains("*"))', (self) => every(keys(self), (key) => !key.includes('*'))],
  ['self.all(key, key.size() != 0)', (self) => every(keys(self), (key) => size(key) !== 0)],
  ['!self.contains("*")', (self) => !string(self).includes('*')],
  // Gateway TLS credentials.
  atMostOneOf('credentialName', 'credentialNames'),
  atMostOneOf('credentialNames', 'tlsCertificates'),
  atMostOneOf('tlsCertificates', 'credentialNames'),
  // ServiceEntry.
  atMostOneOf('workloadSelector', 'endpoints'),
  [
    '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))',
    (self) => {
      const spec = self as Json;
      const addresses = has(self, 'addresses') ? (spec.addresses as unknown[]) : [];
      const resolution = has(self, 'resolution') ? string(spec.resolution) : 'NONE';
      const cidr = some(addresses, (address) => string(address).includes('/'));
      return !(cidr && !['STATIC', 'NONE'].includes(resolution));
    },
  ],
  [
    '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true',
    (self) =>
      (has(self, 'resolution') ? string((self as Json).resolution) : 'NONE') !== 'NONE' ||
      !has(self, 'endpoints'),
  ],
  [
    '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true',
    (self) => {
      const spec = self as Json;
      if ((has(self, 'resolution') ? string(spec.resolution) : '') !== 'DNS_ROUND_ROBIN')
        return true;
      return (has(self, 'endpoints') ? (spec.endpoints as unknown[]) : []).length <= 1;
    },
  ],
  [
    'has(self.address) || has(self.network)',
    (self) => has(self, 'address') || has(self, 'network'),
  ],
  [
    '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true',
    (self) =>
      !(has(self, 'address') ? string((self as Json).address) : '').startsWith('unix://') ||
      !has(self, 'ports'),
  ],
  [
    'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true',
    (self) =>
      !string(self).startsWith('unix://') || ['/', '@'].includes(eighthCharacter(self as string)),
  ],
  [
    'self.startsWith("unix://") ? !self.endsWith("/") : true',
    (self) => !string(self).startsWith('unix://') || !(self as string).endsWith('/'),
  ],
  [
    'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))',
    (self) => every(keys(self), (key) => size(key) < 63 && PORT_NAME.test(key)),
  ],
  [
    '0 < self && self <= 65535',
    (self) => {
      if (typeof self !== 'number') throw new RuleEvaluationError('no such overload');
      return 0 < self && self <= 65535;
    },
  ],
  ['self != "*"', (self) => self !== '*'],
  [
    'self.all(l1, self.exists_one(l2, l1.number == l2.number))',
    (self) => {
      if (!Array.isArray(self)) throw new RuleEvaluationError('no such overload');
      const numbers = self.map((port) => (isObject(port) ? port.number : undefined));
      return numbers.every((n) => numbers.filter((m) => m === n).length === 1);
    },
  ],
  // PeerAuthentication.
  [
    'has(self.portLevelMtls) ? (((has(self.selector) && has(self.selector.matchLabels)) ? self.selector.matchLabels : {}).size() > 0) : true',
    (self) => {
      if (!has(self, 'portLevelMtls')) return true;
      const selector = (self as Json).selector;
      const labels = has(selector, 'matchLabels') ? (selector as Json).matchLabels : {};
      return keys(labels).length > 0;
    },
  ],
  [
    'self.all(key, 0 < int(key) && int(key) <= 65535)',
    (self) => every(keys(self), (key) => 0 < int(key) && int(key) <= 65535),
  ],
]);

/**
 * The check of a rule, by its source (whitespace as YAML folding leaves it does not matter).
 * `where` is the schema node, `<plural>.<group>/<version>.properties...` for a CRD's.
 */
export function ruleCheck(rule: string, where: string): RuleCheck {
  const check = KNOWN_RULES.get(rule.replace(/\s+/g, ' ').trim());
  if (check) return check;
  const [crd, ...path] = where.split('/');
  throw new UnknownRuleError(
    `CRD ${crd}: the x-kubernetes-validations rule ${JSON.stringify(rule)} (at ${path.join('/') || where}) is not one the simulator implements; add it to packages/sim/src/crd/crd-rules.ts`,
  );
}

function schemaType(node: SchemaNode): string {
  return node.types.length === 1 ? (node.types[0] as string) : '';
}

function failure(rule: CompiledRule, node: SchemaNode, path: string, value: unknown): FieldProblem {
  const field = rule.fieldPath ? [path, ...rule.fieldPath].filter(Boolean).join('.') : path;
  const detail =
    rule.message !== undefined ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
  const type = schemaType(node);
  const shown = type === 'object' || type === 'array' ? OMIT_VALUE : value;
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return { type: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return requiredProblem(field, detail);
    case 'FieldValueDuplicate':
      return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${goValue(value)}` };
    default:
      return invalidProblem(field, shown, detail);
  }
}

function runRules(node: SchemaNode, value: unknown, path: string, problems: FieldProblem[]): void {
  for (const rule of node.rules) {
    let passed: boolean;
    try {
      passed = rule.check(value);
    } catch (error) {
      if (!(error instanceof RuleEvaluationError)) throw error;
      const shown = (rule.message ?? rule.rule).trim();
      const detail =
        error.message === 'no such overload'
          ? `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${shown}`
          : `${error.message} evaluating rule: ${shown}`;
      problems.push(invalidProblem(path, schemaType(node), detail));
      continue;
    }
    if (!passed) problems.push(failure(rule, node, path, value));
  }
}

function visit(node: SchemaNode, value: unknown, path: string, problems: FieldProblem[]): void {
  if (value === null || value === undefined) return;
  runRules(node, value, path, problems);
  for (const sub of node.allOf) visit(sub, value, path, problems);
  if (Array.isArray(value)) {
    if (node.items)
      value.forEach((item, i) => visit(node.items as SchemaNode, item, `${path}[${i}]`, problems));
    return;
  }
  if (!isObject(value)) return;
  if (node.additionalProperties) {
    for (const [key, child] of Object.entries(value))
      visit(node.additionalProperties, child, `${path}[${key}]`, problems);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    const property = node.properties?.get(key);
    if (property) visit(property, child, path === '' ? key : `${path}.${key}`, problems);
  }
}

/** True when the schema tree holds any rule (lets callers skip the walk entirely). */
export function hasRules(node: SchemaNode): boolean {
  if (node.rules.length > 0) return true;
  const children = [
    ...(node.properties?.values() ?? []),
    ...(node.additionalProperties ? [node.additionalProperties] : []),
    ...(node.items ? [node.items] : []),
    ...node.allOf,
  ];
  return children.some(hasRules);
}

/** Evaluates every rule in the schema tree against the object. */
export function validateRules(root: SchemaNode, object: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  visit(root, object, '', problems);
  return problems;
}
