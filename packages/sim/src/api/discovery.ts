/**
 * Discovery documents: the legacy ones (`/api` APIVersions, `/apis` APIGroupList,
 * `/apis/<g>` APIGroup, `/api/v1` and `/apis/<g>/<v>` APIResourceList) and the aggregated
 * `apidiscovery.k8s.io/v2` APIGroupDiscoveryList that kubectl 1.26+ asks for first, so a
 * kubectl command costs two discovery requests instead of one per group version.
 */
import { apiVersionOf, type ResourceRegistry, type ResourceType } from '../store/resource-types.js';

/** A subresource as discovery describes it. */
interface SubresourceInfo {
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

function subresourceInfo(type: ResourceType, subresource: string): SubresourceInfo | undefined {
  switch (subresource) {
    case 'status':
      return { kind: type.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return {
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'proxy':
      return { kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    default:
      return undefined;
  }
}

/**
 * Orders versions as Kubernetes does (`CompareKubeAwareVersionStrings`): GA before beta
 * before alpha, higher numbers first, anything else last in lexical order.
 */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    const stability = m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0;
    return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa) return -1;
    if (pb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (pa[0] !== pb[0]) return pb[0] - pa[0];
  if (pa[1] !== pb[1]) return pb[1] - pa[1];
  return pb[2] - pa[2];
}

/** Named groups in discovery order: built-in groups first, then custom resource groups by name. */
function groupNames(registry: ResourceRegistry): string[] {
  const builtin: string[] = [];
  const custom: string[] = [];
  for (const type of registry.all()) {
    if (type.group === '') continue;
    const list = type.builtin ? builtin : custom;
    if (!list.includes(type.group)) list.push(type.group);
  }
  return [...builtin, ...custom.sort()];
}

function groupVersions(registry: ResourceRegistry, group: string): string[] {
  const versions = new Set<string>();
  for (const type of registry.all())
    if (type.group === group) for (const v of type.versions) versions.add(v);
  return [...versions].sort(compareKubeVersions);
}

function typesIn(registry: ResourceRegistry, group: string, version: string): ResourceType[] {
  return registry.all().filter((t) => t.group === group && t.versions.includes(version));
}

/** `/api`: APIVersions. */
export function apiVersionsDocument(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `/apis/<group>`: APIGroup, or undefined when the group is not served. */
export function apiGroupDocument(
  registry: ResourceRegistry,
  group: string,
): Record<string, unknown> | undefined {
  const versions = groupVersions(registry, group);
  if (versions.length === 0) return undefined;
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: entries,
    preferredVersion: entries[0],
  };
}

/** `/apis`: APIGroupList. */
export function apiGroupListDocument(registry: ResourceRegistry): Record<string, unknown> {
  const groups = groupNames(registry).map((group) => {
    const {
      kind: _k,
      apiVersion: _a,
      ...rest
    } = apiGroupDocument(registry, group) as Record<string, unknown>;
    return rest;
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `/api/v1`, `/apis/<g>/<v>`: APIResourceList. */
export function apiResourceListDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const type of typesIn(registry, group, version)) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    });
    for (const sub of [...type.subresources].sort()) {
      const info = subresourceInfo(type, sub);
      if (!info) continue;
      resources.push({
        name: `${type.plural}/${sub}`,
        singularName: '',
        namespaced: type.namespaced,
        ...(info.group !== undefined ? { group: info.group, version: info.version } : {}),
        kind: info.kind,
        verbs: info.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(group, version),
    resources,
  };
}

function resourceDiscovery(type: ResourceType, version: string): Record<string, unknown> {
  return {
    resource: type.plural,
    responseKind: { group: type.group, version, kind: type.kind },
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: type.verbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    ...(type.subresources.length > 0
      ? {
          subresources: [...type.subresources]
            .sort()
            .map((sub) => {
              const info = subresourceInfo(type, sub);
              if (!info) return undefined;
              return {
                subresource: sub,
                responseKind: {
                  group: info.group ?? type.group,
                  version: info.version ?? version,
                  kind: info.kind,
                },
                verbs: info.verbs,
              };
            })
            .filter((s) => s !== undefined),
        }
      : {}),
  };
}

/**
 * Aggregated discovery (`apidiscovery.k8s.io/<v2|v2beta1>` APIGroupDiscoveryList) for
 * `/api` (core group only) or `/apis` (every named group).
 */
export function aggregatedDiscoveryDocument(
  registry: ResourceRegistry,
  scope: 'core' | 'groups',
  discoveryVersion: 'v2' | 'v2beta1',
): Record<string, unknown> {
  const groups = scope === 'core' ? [''] : groupNames(registry);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${discoveryVersion}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata:
        group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
      versions: groupVersions(registry, group).map((version) => ({
        version,
        resources: typesIn(registry, group, version).map((t) => resourceDiscovery(t, version)),
        freshness: 'Current',
      })),
    })),
  };
}

/** `/version`: what kubectl prints as the server version. */
export function versionDocument(): Record<string, unknown> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-switchyard-sim',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
