/**
 * Runs a CRD's `x-kubernetes-validations` over a custom resource the way apiextensions'
 * CEL validator does (apiserver/schema/cel/validation.go): rules of a schema node run on every
 * non-null value at that node; list items are addressed as `[i]`, map values as `[key]`,
 * properties as `.name`; a false result reports the rule's message (or `failed rule: <rule>`)
 * with the value for scalars and without it for objects and lists; an evaluation error reports
 * `<error> evaluating rule: <rule or message>`.
 */
import type { FieldProblem } from '../store/admission.js';
import { OMIT_VALUE, invalidProblem, requiredProblem } from './field-problems.js';
import { goValue } from './go-format.js';
import { toCelValue } from './cel-values.js';
import type { CompiledRule, SchemaNode } from './structural-schema.js';

function schemaType(node: SchemaNode): string {
  return node.types.length === 1 ? (node.types[0] as string) : '';
}

function ruleErrorString(rule: CompiledRule): string {
  return (rule.message ?? rule.rule).trim();
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
  if (node.rules.length === 0) return;
  const self = toCelValue(value, node);
  for (const rule of node.rules) {
    const result = rule.program.evaluate(self);
    if (result.kind === 'error') {
      const detail =
        result.message === 'no such overload'
          ? `'${result.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`
          : `${result.message} evaluating rule: ${ruleErrorString(rule)}`;
      problems.push(invalidProblem(path, schemaType(node), detail));
    } else if (!(result.kind === 'bool' && result.value)) {
      problems.push(failure(rule, node, path, value));
    }
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
  if (typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  if (node.additionalProperties) {
    for (const [key, child] of Object.entries(record))
      visit(node.additionalProperties, child, `${path}[${key}]`, problems);
    return;
  }
  if (node.properties) {
    for (const [key, child] of Object.entries(record)) {
      const property = node.properties.get(key);
      if (property) visit(property, child, path === '' ? key : `${path}.${key}`, problems);
    }
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
