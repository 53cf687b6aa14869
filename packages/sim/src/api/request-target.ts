/**
 * What a request path addresses, following the API server's URL layout:
 * `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}[/{proxy path}]]]`, the same
 * under `/apis/{group}/{version}`, the legacy `/watch/` prefix, and the discovery,
 * OpenAPI, version and health endpoints.
 */
import type { ResourceRegistry, ResourceType } from '../store/resource-types.js';

/** A request for objects of one resource type. */
export interface ResourceTarget {
  /** Discriminator. */
  kind: 'resource';
  /** The type addressed. */
  type: ResourceType;
  /** API group from the URL (`""` for core). */
  group: string;
  /** API version from the URL; objects are returned in this version. */
  version: string;
  /** Namespace from the URL; undefined for cluster-scoped types and all-namespace lists. */
  namespace?: string;
  /** Object name; undefined for collection requests. */
  name?: string;
  /** Subresource (`status`, `scale`, `portforward`, `proxy`); undefined for the main resource. */
  subresource?: string;
  /** For `proxy`: the path after `/proxy`, starting with `/` (or empty); undefined otherwise. */
  proxyPath?: string;
  /** True for the deprecated `/watch/` URL prefix (a watch whatever the query says). */
  legacyWatch: boolean;
}

/** Everything a path can address. */
export type RequestTarget =
  | ResourceTarget
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'api-versions' }
  | { kind: 'api-group-list' }
  | { kind: 'api-group'; group: string }
  | { kind: 'api-resource-list'; group: string; version: string }
  | { kind: 'openapi-v2' }
  | { kind: 'openapi-v3-index' }
  | { kind: 'openapi-v3'; group: string; version: string }
  // A path inside a served group/version that names nothing: 404 with a Status body.
  | { kind: 'resource-not-found' }
  // A path the server has no handler for at all: 404 "page not found" text.
  | { kind: 'unknown' };

function servesGroupVersion(registry: ResourceRegistry, group: string, version: string): boolean {
  return registry.all().some((t) => t.group === group && t.versions.includes(version));
}

function crdGroup(registry: ResourceRegistry, group: string): boolean {
  const types = registry.all().filter((t) => t.group === group);
  return group !== '' && types.length > 0 && types.every((t) => !t.builtin);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Classifies a request path. `pathname` is the raw (percent-encoded) URL path. */
export function parseRequestTarget(pathname: string, registry: ResourceRegistry): RequestTarget {
  const raw = pathname.split('/').slice(1);
  const segments = raw.map(decodeSegment);
  // Trailing slashes are insignificant except inside a proxy path, handled below.
  const trimmed = [...segments];
  while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
  const [root] = trimmed;

  if (root === 'version' && trimmed.length === 1) return { kind: 'version' };
  if ((root === 'healthz' || root === 'livez' || root === 'readyz') && trimmed.length === 1)
    return { kind: 'health' };
  if (root === 'openapi') {
    if (trimmed[1] === 'v2' && trimmed.length === 2) return { kind: 'openapi-v2' };
    if (trimmed[1] === 'v3' && trimmed.length === 2) return { kind: 'openapi-v3-index' };
    if (trimmed[1] === 'v3' && trimmed[2] === 'api' && trimmed.length === 4) {
      return { kind: 'openapi-v3', group: '', version: trimmed[3] as string };
    }
    if (trimmed[1] === 'v3' && trimmed[2] === 'apis' && trimmed.length === 5) {
      return { kind: 'openapi-v3', group: trimmed[3] as string, version: trimmed[4] as string };
    }
    return { kind: 'unknown' };
  }

  let group: string;
  let version: string;
  let restStart: number;
  if (root === 'api') {
    if (trimmed.length === 1) return { kind: 'api-versions' };
    version = trimmed[1] as string;
    group = '';
    if (version !== 'v1') return { kind: 'unknown' };
    if (trimmed.length === 2) return { kind: 'api-resource-list', group, version };
    restStart = 2;
  } else if (root === 'apis') {
    if (trimmed.length === 1) return { kind: 'api-group-list' };
    group = trimmed[1] as string;
    if (!registry.all().some((t) => t.group === group)) return { kind: 'unknown' };
    if (trimmed.length === 2) return { kind: 'api-group', group };
    version = trimmed[2] as string;
    if (!servesGroupVersion(registry, group, version)) return { kind: 'unknown' };
    if (trimmed.length === 3) return { kind: 'api-resource-list', group, version };
    restStart = 3;
  } else {
    return { kind: 'unknown' };
  }

  let index = restStart;
  let legacyWatch = false;
  if (trimmed[index] === 'watch') {
    legacyWatch = true;
    index++;
  }
  let namespace: string | undefined;
  let resource: string | undefined;
  const namespacesAt = trimmed[index] === 'namespaces';
  const isNamespaceSubresource =
    group === '' &&
    namespacesAt &&
    trimmed.length === index + 3 &&
    ['status', 'finalize'].includes(trimmed[index + 2] as string);
  if (namespacesAt && trimmed.length >= index + 3 && !isNamespaceSubresource) {
    namespace = trimmed[index + 1];
    resource = trimmed[index + 2];
    index += 3;
  } else {
    resource = trimmed[index];
    index += 1;
  }
  const rest = trimmed.slice(index);
  // Groups served from CRDs: apiextensions' handler passes whatever names no CRD (or the
  // wrong scope) to the server's plain 404 handler; built-in groups answer with a Status.
  const notFound: RequestTarget = crdGroup(registry, group)
    ? { kind: 'unknown' }
    : { kind: 'resource-not-found' };
  if (!resource) return notFound;
  const type = registry.byPlural(group, resource);
  if (!type || !type.versions.includes(version)) return notFound;
  if (namespace !== undefined && !type.namespaced) return notFound;

  const name = rest[0];
  const subresource = rest[1];
  if (name !== undefined && type.namespaced && namespace === undefined) return notFound;
  if (name === '') return notFound;

  let proxyPath: string | undefined;
  if (subresource === 'proxy') {
    // Keep the proxy path as sent, trailing slash included: `/proxy/` and `/proxy` differ.
    const consumed = index + 2;
    proxyPath = raw.length > consumed ? `/${raw.slice(consumed).join('/')}` : '';
  } else if (rest.length > 2) {
    return { kind: 'resource-not-found' };
  }

  return {
    kind: 'resource',
    type,
    group,
    version,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    ...(proxyPath !== undefined ? { proxyPath } : {}),
    legacyWatch,
  };
}
