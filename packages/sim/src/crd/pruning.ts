/**
 * What apiextensions-apiserver's decoder does to a custom resource before validation
 * (`unstructuredSchemaCoercer.apply`): drop unknown `metadata` fields (ObjectMeta is decoded
 * strictly), prune fields the structural schema does not declare outside
 * `x-kubernetes-preserve-unknown-fields` subtrees (pruning/algorithm.go), and drop `null` values
 * of non-nullable fields (`PruneNonNullableNullsWithoutDefaults`). `apiVersion`, `kind` and
 * `metadata` are never pruned at the root.
 */
import type { SchemaNode } from './structural-schema.js';

/** ObjectMeta's JSON fields (k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta). */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Result of pruning. */
export interface PruneResult {
  /** The pruned copy; the input is left untouched. */
  object: Record<string, unknown>;
  /** Paths of the fields removed, as the API server reports them (`spec.http[0].foo`). */
  unknownFields: string[];
}

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function appendKey(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function prune(
  value: Json,
  schema: SchemaNode | undefined,
  path: string,
  root: boolean,
  found: string[],
): void {
  if (schema?.preserveUnknownFields) {
    skipPrune(value, schema, path, root, found);
    return;
  }
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (root && META_FIELDS.has(key)) continue;
      const child = appendKey(path, key);
      const property = schema?.properties?.get(key);
      if (property) {
        prune(value[key], property, child, false, found);
      } else if (schema && schema.additionalProperties) {
        prune(value[key], schema.additionalProperties, child, false, found);
      } else {
        found.push(child);
        delete value[key];
      }
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, schema?.items, `${path}[${i}]`, false, found));
  }
}

function skipPrune(
  value: Json,
  schema: SchemaNode,
  path: string,
  root: boolean,
  found: string[],
): void {
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      if (root && META_FIELDS.has(key)) continue;
      const property = schema.properties?.get(key);
      if (property) prune(value[key], property, appendKey(path, key), false, found);
      else if (schema.additionalProperties)
        prune(value[key], schema.additionalProperties, appendKey(path, key), false, found);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, schema.items, `${path}[${i}]`, false, found));
  }
}

function pruneNulls(value: Json, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (isObject(value)) {
    for (const key of Object.keys(value)) {
      const property = schema.properties?.get(key) ?? (schema.additionalProperties || undefined);
      if (!property) continue;
      if (value[key] === null && !property.nullable) delete value[key];
      else pruneNulls(value[key], property);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item, schema.items);
  }
}

// A deep copy of decoded JSON; several times faster than structuredClone for plain data.
function cloneJson(value: Json): Json {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isObject(value)) {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(value)) out[key] = cloneJson(value[key]);
    return out;
  }
  return value;
}

/** Prunes a deep copy of `object` against the root schema of its CRD version. */
export function pruneCustomResource(
  object: Record<string, unknown>,
  root: SchemaNode,
): PruneResult {
  const copy = cloneJson(object) as Record<string, unknown>;
  const metadataUnknown: string[] = [];
  const metadata = copy.metadata;
  if (isObject(metadata)) {
    for (const key of Object.keys(metadata)) {
      if (!OBJECT_META_FIELDS.has(key)) {
        metadataUnknown.push(`metadata.${key}`);
        delete metadata[key];
      }
    }
  }
  const pruned: string[] = [];
  prune(copy, root, '', true, pruned);
  pruneNulls(copy, root);
  return { object: copy, unknownFields: [...metadataUnknown.sort(), ...pruned.sort()] };
}
