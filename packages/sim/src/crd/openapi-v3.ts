/**
 * `/openapi/v3/apis/<group>/<version>` documents for CRD-defined types, shaped like
 * apiextensions-apiserver's builder output: `components.schemas` keyed by reversed group
 * (`io.istio.networking.v1.VirtualService`) holding the CRD schema plus `apiVersion`, `kind` and a
 * `metadata` reference, with `x-kubernetes-group-version-kind`; paths with the operations
 * clients look for. kubectl in particular decides whether the server supports
 * `fieldValidation` by finding that query parameter on the PATCH operation of the kind.
 */
import type { CrdVersion } from './crd-catalog.js';

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const wrappedRef = (name: string, description: string): Json => ({
  allOf: [ref(name)],
  description,
});

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** `util.ToRESTFriendlyName`: `networking.istio.io/v1/VirtualService` → `io.istio.networking.v1.VirtualService`. */
export function definitionName(group: string, version: string, kind: string): string {
  return [...group.split('.').reverse(), version, kind].join('.');
}

function camel(group: string): string {
  return group
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function param(
  name: string,
  description: string,
  type: 'string' | 'boolean' | 'integer' = 'string',
): Json {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const PARAMS = {
  pretty: param('pretty', "If 'true', then the output is pretty printed."),
  dryRun: param(
    'dryRun',
    'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: param(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  fieldValidation: param(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: param('force', 'Force is going to "force" Apply requests.', 'boolean'),
  resourceVersion: param(
    'resourceVersion',
    'resourceVersion sets a constraint on what resource versions a request may be served from.',
  ),
  resourceVersionMatch: param(
    'resourceVersionMatch',
    'resourceVersionMatch determines how resourceVersion is applied to list calls.',
  ),
  labelSelector: param(
    'labelSelector',
    'A selector to restrict the list of returned objects by their labels. Defaults to everything.',
  ),
  fieldSelector: param(
    'fieldSelector',
    'A selector to restrict the list of returned objects by their fields. Defaults to everything.',
  ),
  limit: param(
    'limit',
    'limit is a maximum number of responses to return for a list call.',
    'integer',
  ),
  continue: param(
    'continue',
    'The continue option should be set when retrieving more results from the server.',
  ),
  watch: param(
    'watch',
    'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.',
    'boolean',
  ),
  allowWatchBookmarks: param(
    'allowWatchBookmarks',
    'allowWatchBookmarks requests watch events with type "BOOKMARK".',
    'boolean',
  ),
  timeoutSeconds: param('timeoutSeconds', 'Timeout for the list/watch call.', 'integer'),
  sendInitialEvents: param(
    'sendInitialEvents',
    'sendInitialEvents=true may be set together with watch=true.',
    'boolean',
  ),
  gracePeriodSeconds: param(
    'gracePeriodSeconds',
    'The duration in seconds before the object should be deleted.',
    'integer',
  ),
  orphanDependents: param(
    'orphanDependents',
    'Deprecated: please use the PropagationPolicy.',
    'boolean',
  ),
  propagationPolicy: param(
    'propagationPolicy',
    "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'.",
  ),
};

const LIST_PARAMS = [
  PARAMS.allowWatchBookmarks,
  PARAMS.continue,
  PARAMS.fieldSelector,
  PARAMS.labelSelector,
  PARAMS.limit,
  PARAMS.resourceVersion,
  PARAMS.resourceVersionMatch,
  PARAMS.sendInitialEvents,
  PARAMS.timeoutSeconds,
  PARAMS.watch,
];
const WRITE_PARAMS = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];
const DELETE_PARAMS = [
  PARAMS.dryRun,
  PARAMS.gracePeriodSeconds,
  PARAMS.orphanDependents,
  PARAMS.propagationPolicy,
];

function content(
  schema: Json,
  types: readonly string[] = ['application/json', 'application/yaml'],
): Json {
  return Object.fromEntries(types.map((type) => [type, { schema }]));
}

function objectMetaSchemas(): Record<string, Json> {
  const string = { type: 'string' };
  const stringMap = { type: 'object', additionalProperties: { type: 'string', default: '' } };
  return {
    [`${META}.Time`]: {
      type: 'string',
      format: 'date-time',
      description:
        'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.',
    },
    [`${META}.FieldsV1`]: {
      type: 'object',
      description:
        'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.',
    },
    [`${META}.OwnerReference`]: {
      type: 'object',
      required: ['apiVersion', 'kind', 'name', 'uid'],
      properties: {
        apiVersion: string,
        kind: string,
        name: string,
        uid: string,
        controller: { type: 'boolean' },
        blockOwnerDeletion: { type: 'boolean' },
      },
      'x-kubernetes-map-type': 'atomic',
    },
    [`${META}.ManagedFieldsEntry`]: {
      type: 'object',
      properties: {
        apiVersion: string,
        fieldsType: string,
        fieldsV1: { allOf: [ref(`${META}.FieldsV1`)] },
        manager: string,
        operation: string,
        subresource: string,
        time: { allOf: [ref(`${META}.Time`)] },
      },
    },
    [`${META}.ObjectMeta`]: {
      type: 'object',
      description:
        'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
      properties: {
        annotations: stringMap,
        creationTimestamp: { allOf: [ref(`${META}.Time`)] },
        deletionGracePeriodSeconds: { type: 'integer', format: 'int64' },
        deletionTimestamp: { allOf: [ref(`${META}.Time`)] },
        finalizers: {
          type: 'array',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'set',
        },
        generateName: string,
        generation: { type: 'integer', format: 'int64' },
        labels: stringMap,
        managedFields: {
          type: 'array',
          items: { allOf: [ref(`${META}.ManagedFieldsEntry`)], default: {} },
          'x-kubernetes-list-type': 'atomic',
        },
        name: string,
        namespace: string,
        ownerReferences: {
          type: 'array',
          items: { allOf: [ref(`${META}.OwnerReference`)], default: {} },
          'x-kubernetes-list-map-keys': ['uid'],
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-patch-merge-key': 'uid',
          'x-kubernetes-patch-strategy': 'merge',
        },
        resourceVersion: string,
        selfLink: string,
        uid: string,
      },
    },
    [`${META}.ListMeta`]: {
      type: 'object',
      properties: {
        continue: string,
        remainingItemCount: { type: 'integer', format: 'int64' },
        resourceVersion: string,
        selfLink: string,
      },
    },
    [`${META}.Status`]: {
      type: 'object',
      properties: {
        apiVersion: string,
        code: { type: 'integer', format: 'int32' },
        details: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        kind: string,
        message: string,
        metadata: { default: {}, allOf: [ref(`${META}.ListMeta`)] },
        reason: string,
        status: string,
      },
    },
    [`${META}.DeleteOptions`]: {
      type: 'object',
      properties: {
        apiVersion: string,
        dryRun: {
          type: 'array',
          items: { type: 'string', default: '' },
          'x-kubernetes-list-type': 'atomic',
        },
        gracePeriodSeconds: { type: 'integer', format: 'int64' },
        kind: string,
        orphanDependents: { type: 'boolean' },
        propagationPolicy: string,
      },
    },
    [`${META}.Patch`]: {
      type: 'object',
      description:
        'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    },
  };
}

function kindSchema(crd: CrdVersion): Json {
  const schema = structuredClone(crd.openApiSchema);
  const properties = { ...((schema.properties as Json | undefined) ?? {}) };
  schema.type ??= 'object';
  schema.properties = {
    apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
    kind: { type: 'string', description: KIND_DESCRIPTION },
    metadata: wrappedRef(
      `${META}.ObjectMeta`,
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    ),
    ...properties,
  };
  schema['x-kubernetes-group-version-kind'] = [
    { group: crd.group, kind: crd.kind, version: crd.version },
  ];
  return schema;
}

function listSchema(crd: CrdVersion): Json {
  return {
    description: `${crd.listKind} is a list of ${crd.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: API_VERSION_DESCRIPTION },
      items: {
        description: `List of ${crd.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
        type: 'array',
        items: ref(definitionName(crd.group, crd.version, crd.kind)),
      },
      kind: { type: 'string', description: KIND_DESCRIPTION },
      metadata: wrappedRef(
        `${META}.ListMeta`,
        'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      ),
    },
    'x-kubernetes-group-version-kind': [
      { group: crd.group, kind: crd.listKind, version: crd.version },
    ],
  };
}

function paths(crd: CrdVersion): Record<string, Json> {
  const gvk = { group: crd.group, kind: crd.kind, version: crd.version };
  const kindRef = ref(definitionName(crd.group, crd.version, crd.kind));
  const listRef = ref(definitionName(crd.group, crd.version, crd.listKind));
  const statusRef = ref(`${META}.Status`);
  const prefix = `${camel(crd.group)}${crd.version.charAt(0).toUpperCase()}${crd.version.slice(1)}`;
  const scope = crd.namespaced ? 'Namespaced' : '';
  const tags = [
    `${crd.group
      .split('.')
      .map((p, i) => (i === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1)))
      .join('')}_${crd.version}`,
  ];
  const op = (
    verb: string,
    action: string,
    response: Json,
    parameters: Json[],
    extra: Json = {},
    suffix = '',
  ): Json => ({
    tags,
    description: `${verb} ${crd.kind}`,
    operationId: `${verb}${prefix}${scope}${crd.kind}${suffix}`,
    parameters,
    responses: {
      '200': { description: 'OK', content: content(response) },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const body = (schema: Json): Json => ({
    requestBody: { content: content(schema), required: true },
  });
  const patchBody = {
    requestBody: {
      content: content(ref(`${META}.Patch`), [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]),
      required: true,
    },
  };
  const base = `/apis/${crd.group}/${crd.version}`;
  const collection = crd.namespaced
    ? `${base}/namespaces/{namespace}/${crd.plural}`
    : `${base}/${crd.plural}`;
  const nsParam: Json[] = crd.namespaced
    ? [
        {
          name: 'namespace',
          in: 'path',
          description: 'object name and auth scope, such as for teams and projects',
          required: true,
          schema: { type: 'string', uniqueItems: true },
        },
      ]
    : [];
  const nameParam: Json = {
    name: 'name',
    in: 'path',
    description: `name of the ${crd.kind}`,
    required: true,
    schema: { type: 'string', uniqueItems: true },
  };
  const result: Record<string, Json> = {
    [collection]: {
      get: op('list', 'list', listRef, LIST_PARAMS),
      post: op('create', 'post', kindRef, WRITE_PARAMS, body(kindRef)),
      delete: op('deletecollection', 'deletecollection', statusRef, [
        ...DELETE_PARAMS,
        ...LIST_PARAMS,
      ]),
      parameters: [...nsParam, PARAMS.pretty],
    },
    [`${collection}/{name}`]: {
      get: op('read', 'get', kindRef, [PARAMS.resourceVersion]),
      put: op('replace', 'put', kindRef, WRITE_PARAMS, body(kindRef)),
      delete: op('delete', 'delete', statusRef, DELETE_PARAMS),
      patch: op('patch', 'patch', kindRef, [...WRITE_PARAMS, PARAMS.force], patchBody),
      parameters: [nameParam, ...nsParam, PARAMS.pretty],
    },
  };
  if (crd.namespaced) {
    result[`${base}/${crd.plural}`] = {
      get: {
        ...op('list', 'list', listRef, LIST_PARAMS),
        operationId: `list${prefix}${crd.kind}ForAllNamespaces`,
      },
      parameters: [PARAMS.pretty],
    };
  }
  if (crd.statusSubresource) {
    result[`${collection}/{name}/status`] = {
      get: op('read', 'get', kindRef, [PARAMS.resourceVersion], {}, 'Status'),
      put: op('replace', 'put', kindRef, WRITE_PARAMS, body(kindRef), 'Status'),
      patch: op('patch', 'patch', kindRef, [...WRITE_PARAMS, PARAMS.force], patchBody, 'Status'),
      parameters: [nameParam, ...nsParam, PARAMS.pretty],
    };
  }
  return result;
}

/** The OpenAPI v3 document for one group-version, covering every CRD served in it. */
export function buildOpenApiV3(versions: readonly CrdVersion[]): Record<string, unknown> {
  const schemas: Record<string, Json> = {};
  const allPaths: Record<string, Json> = {};
  for (const crd of versions) {
    schemas[definitionName(crd.group, crd.version, crd.kind)] = kindSchema(crd);
    schemas[definitionName(crd.group, crd.version, crd.listKind)] = listSchema(crd);
    Object.assign(allPaths, paths(crd));
  }
  Object.assign(schemas, objectMetaSchemas());
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' },
    paths: allPaths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
    security: [{ BearerToken: [] }],
  };
}
