/**
 * The `x-kubernetes-list-type` invariants the API server checks after schema validation and
 * before the CEL rules (apiextensions-apiserver `pkg/apiserver/schema/listtype`): the items of
 * a `set` list are unique, and the items of a `map` list are objects whose
 * `x-kubernetes-list-map-keys` values are unique. A duplicate is reported at its index as
 * `Duplicate value: <the item's keys>`; it does not keep the CEL rules from running.
 */
import type { FieldProblem } from '../store/admission.js';
import { invalidProblem } from './field-problems.js';
import { goQuote, goValue } from './go-format.js';
import type { SchemaNode } from './structural-schema.js';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's `%#v` of a decoded JSON scalar inside a `map[string]interface {}`. */
function goScalar(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  return goValue(value);
}

/** Go's `%#v` of the key fields of an item: `map[string]interface {}{"name":"http"}`. */
function keyMapText(keys: readonly string[], item: JsonObject): string {
  const present = [...keys].filter((key) => key in item).sort();
  return `map[string]interface {}{${present.map((key) => `${goQuote(key)}:${goScalar(item[key])}`).join(', ')}}`;
}

function duplicate(field: string, text: string): FieldProblem {
  return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${text}` };
}

function mapListProblems(path: string, node: SchemaNode, items: unknown[]): FieldProblem[] {
  for (const [i, item] of items.entries()) {
    if (item !== null && !isObject(item))
      return [
        invalidProblem(`${path}[${i}]`, item, 'must be an object for an array of list-type map'),
      ];
  }
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) continue;
    // An absent key is its own value, unlike any present one (Go's unspecifiedKeyValue).
    const key = JSON.stringify(
      node.listMapKeys.map((name) => (name in item ? ['v', item[name]] : ['absent'])),
    );
    if (seen.has(key))
      problems.push(duplicate(`${path}[${i}]`, keyMapText(node.listMapKeys, item)));
    else seen.add(key);
  }
  return problems;
}

function setListProblems(path: string, items: unknown[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const [i, item] of items.entries()) {
    if (typeof item === 'object' && item !== null)
      return [
        invalidProblem(`${path}[${i}]`, item, 'must be scalar for an array of list-type set'),
      ];
    const key = JSON.stringify(item);
    if (seen.has(key)) problems.push(duplicate(`${path}[${i}]`, goValue(item)));
    else seen.add(key);
  }
  return problems;
}

function walk(path: string, node: SchemaNode, value: unknown, problems: FieldProblem[]): void {
  if (Array.isArray(value)) {
    if (node.listType === 'map') problems.push(...mapListProblems(path, node, value));
    else if (node.listType === 'set') problems.push(...setListProblems(path, value));
    const items = node.items;
    if (items)
      for (const [i, item] of value.entries()) walk(`${path}[${i}]`, items, item, problems);
    return;
  }
  if (!isObject(value)) return;
  const additional = node.additionalProperties === false ? undefined : node.additionalProperties;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const property = node.properties?.get(key);
    if (property) walk(childPath, property, child, problems);
    else if (additional) walk(`${path}[${key}]`, additional, child, problems);
  }
}

/** Every list-type problem in `object` (a pruned custom resource) under its schema. */
export function validateListTypes(root: SchemaNode, object: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk('', root, object, problems);
  return problems;
}
