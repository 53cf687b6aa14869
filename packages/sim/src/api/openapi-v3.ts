/**
 * `/openapi/v3` documents, one per served group-version, holding what kubectl reads from them.
 * kubectl decides whether the server validates fields itself (`fieldValidation`) by finding
 * that query parameter on the kind's PATCH operation (`x-kubernetes-group-version-kind`);
 * without it, `kubectl apply` and `kubectl create -f` refuse to send anything unless given
 * `--validate=false`. Custom resources also carry their CRD's schema under the reversed-group
 * name (`io.istio.networking.v1.VirtualService`), for `kubectl explain`. Built-in kinds carry no
 * schema: `kubectl explain` does not know them, and kubectl computes their strategic merge
 * patches from its compiled-in types, as it does when a PATCH operation does not list
 * `application/strategic-merge-patch+json`.
 */
import type { ResourceType } from '../store/resource-types.js';

type Json = Record<string, unknown>;

/** The CRD's `openAPIV3Schema` of a custom resource version; undefined for built-in kinds. */
export type SchemaOf = (type: ResourceType, version: string) => Json | undefined;

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const STRING = { type: 'string' };
const STRING_MAP = { type: 'object', additionalProperties: STRING };

/** `util.ToRESTFriendlyName`: `networking.istio.io/v1/VirtualService` → `io.istio.networking.v1.VirtualService`. */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

/** The group-versions documented, as the `/openapi/v3` index names them (`api/v1`, `apis/<g>/<v>`). */
export function openApiV3Paths(types: readonly ResourceType[]): string[] {
  const paths = types.flatMap((type) =>
    type.versions.map((version) =>
      type.group ? `apis/${type.group}/${version}` : `api/${version}`,
    ),
  );
  return [...new Set(paths)];
}

/** The document of one group-version, or undefined when nothing is served there. */
export function openApiV3Document(
  types: readonly ResourceType[],
  group: string,
  version: string,
  schemaOf: SchemaOf,
): Json | undefined {
  const served = types.filter((type) => type.group === group && type.versions.includes(version));
  if (served.length === 0) return undefined;
  const paths: Record<string, Json> = {};
  const schemas: Record<string, Json> = {
    [OBJECT_META]: {
      type: 'object',
      properties: {
        name: STRING,
        generateName: STRING,
        namespace: STRING,
        labels: STRING_MAP,
        annotations: STRING_MAP,
        resourceVersion: STRING,
        uid: STRING,
      },
    },
  };
  for (const type of served) {
    const gvk = { group, kind: type.kind, version };
    const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
    paths[`${base}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}/{name}`] = {
      patch: {
        'x-kubernetes-group-version-kind': gvk,
        parameters: [{ name: 'fieldValidation', in: 'query', schema: STRING }],
        requestBody: {
          content: Object.fromEntries(
            ['application/json-patch+json', 'application/merge-patch+json'].map((media) => [
              media,
              { schema: { type: 'object' } },
            ]),
          ),
          required: true,
        },
      },
    };
    const schema = schemaOf(type, version);
    if (!schema) continue;
    schemas[definitionName(group, version, type.kind)] = {
      ...schema,
      type: 'object',
      properties: {
        apiVersion: STRING,
        kind: STRING,
        metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }] },
        ...(schema.properties as Json | undefined),
      },
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.36.3' },
    paths,
    components: { schemas },
  };
}
