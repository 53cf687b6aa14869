/**
 * What the installed HTTPRoute CustomResourceDefinition can store. The API server prunes a
 * field its schema does not have, silently: a rule `name` written to an older CRD is gone on
 * the next read (switchyard would no longer find its own header rule), and a `RequestMirror`
 * without `percent` mirrors every request. So the schema is read from the cluster
 * (`customresourcedefinitions/httproutes.gateway.networking.k8s.io`) and a release that
 * needs a field it lacks is refused before anything is written. Pure over the CRD as read.
 */
import { isJsonObject } from '../../json-diff/json-value.js';
import type { CustomResourceDefinition } from '../../kube/kube-types.js';

/** The HTTPRoute CRD's name. */
export const HTTP_ROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

/** Schema fields a release may need, with where they are and since when. */
export const HTTP_ROUTE_FIELDS = {
  ruleName: {
    path: ['spec', 'rules', 'name'],
    field: 'spec.rules[].name',
    since: 'releases after Gateway API v1.1',
    why: "switchyard names its pre-release header rule, and istiod names Envoy's routes after rule names",
  },
  mirrorPercent: {
    path: ['spec', 'rules', 'filters', 'requestMirror', 'percent'],
    field: 'spec.rules[].filters[].requestMirror.percent',
    since: 'releases after Gateway API v1.1',
    why: 'a mirror step mirrors a share of requests; without it every request is mirrored',
  },
} as const;

/** A field of {@link HTTP_ROUTE_FIELDS}. */
export type HttpRouteField = keyof typeof HTTP_ROUTE_FIELDS;

/** What the installed CRD serves. */
export interface HttpRouteSchema {
  /** `gateway.networking.k8s.io/bundle-version` (`v1.6.0`), when annotated. */
  readonly bundleVersion: string | undefined;
  /** `gateway.networking.k8s.io/channel` (`standard`, `experimental`), when annotated. */
  readonly channel: string | undefined;
  /** Whether `v1` is served. */
  readonly servesV1: boolean;
  /** Which of the fields the v1 schema has. */
  readonly fields: Readonly<Record<HttpRouteField, boolean>>;
}

function child(schema: unknown, name: string): unknown {
  if (!isJsonObject(schema)) return undefined;
  // Arrays keep their element schema in `items`.
  const node = schema.type === 'array' && isJsonObject(schema.items) ? schema.items : schema;
  return isJsonObject(node) && isJsonObject(node.properties) ? node.properties[name] : undefined;
}

/** The installed schema, from the CRD as read. */
export function httpRouteSchemaOf(crd: CustomResourceDefinition): HttpRouteSchema {
  const v1 = (crd.spec.versions ?? []).find((version) => version.name === 'v1');
  const root = v1?.schema?.openAPIV3Schema;
  const has = (path: readonly string[]): boolean =>
    path.reduce<unknown>((node, name) => child(node, name), root) !== undefined;
  // The release marks its CRDs with annotations (older ones with labels).
  const marks = { ...(crd.metadata.labels ?? {}), ...(crd.metadata.annotations ?? {}) };
  return {
    bundleVersion: marks['gateway.networking.k8s.io/bundle-version'],
    channel: marks['gateway.networking.k8s.io/channel'],
    servesV1: v1?.served === true,
    fields: {
      ruleName: has(HTTP_ROUTE_FIELDS.ruleName.path),
      mirrorPercent: has(HTTP_ROUTE_FIELDS.mirrorPercent.path),
    },
  };
}

/** The installed version, for messages (`v1.1.0 standard`, or `an unlabelled version`). */
export function describeSchema(schema: HttpRouteSchema): string {
  return schema.bundleVersion
    ? `${schema.bundleVersion}${schema.channel ? ` ${schema.channel}` : ''}`
    : 'an unlabelled version';
}

/**
 * What is missing from `schema` for a release that needs `needed`, one message each;
 * empty when it has everything.
 */
export function schemaProblems(
  schema: HttpRouteSchema,
  needed: readonly HttpRouteField[],
): string[] {
  if (!schema.servesV1)
    return [
      `the installed CRD (${describeSchema(schema)}) does not serve gateway.networking.k8s.io/v1; install the Gateway API CRDs your istiod pins`,
    ];
  return needed
    .filter((field) => !schema.fields[field])
    .map((field) => {
      const { field: name, since, why } = HTTP_ROUTE_FIELDS[field];
      return `the installed CRD (${describeSchema(schema)}) has no ${name} (in ${since}): ${why}; install the Gateway API CRDs your istiod pins`;
    });
}
