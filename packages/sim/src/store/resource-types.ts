/**
 * The resource types the simulated API server serves: built-in Kubernetes types declared
 * here, Istio's networking types derived from their real CustomResourceDefinitions.
 */

/** One served resource type (one plural in one group), possibly under several versions. */
export interface ResourceType {
  /** API group; `""` for the core group. */
  group: string;
  /** Served versions, preferred (storage) version first. */
  versions: string[];
  /** Kind, e.g. `Deployment`. */
  kind: string;
  /** List kind, e.g. `DeploymentList`. */
  listKind: string;
  /** Plural resource name used in URLs. */
  plural: string;
  /** Singular name. */
  singular: string;
  /** Namespaced or cluster-scoped. */
  namespaced: boolean;
  /** kubectl short names. */
  shortNames: string[];
  /** Categories (`all`, `istio-io`, ...). */
  categories: string[];
  /** Verbs advertised in discovery. */
  verbs: string[];
  /** Subresources served (`status`, `scale`, `portforward`, `proxy`). */
  subresources: string[];
  /** True for built-in types (strategic merge patch allowed); false for custom resources. */
  builtin: boolean;
  /** True when writes to the main resource bump `metadata.generation` on spec change. */
  hasGeneration: boolean;
  /** The CRD this type was derived from, when it is a custom resource. */
  crd?: Record<string, unknown>;
}

const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  options: Partial<
    Pick<
      ResourceType,
      'namespaced' | 'shortNames' | 'categories' | 'subresources' | 'hasGeneration'
    >
  > = {},
): ResourceType {
  return {
    group,
    versions: [version],
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: options.namespaced ?? true,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    verbs: ALL_VERBS,
    subresources: options.subresources ?? [],
    builtin: true,
    hasGeneration: options.hasGeneration ?? false,
  };
}

/** The built-in Kubernetes types the simulator serves. */
export function builtinResourceTypes(): ResourceType[] {
  return [
    builtin('', 'v1', 'Namespace', 'namespaces', {
      namespaced: false,
      shortNames: ['ns'],
      subresources: ['status'],
    }),
    builtin('', 'v1', 'Pod', 'pods', {
      shortNames: ['po'],
      categories: ['all'],
      subresources: ['status', 'portforward', 'proxy'],
    }),
    builtin('', 'v1', 'Service', 'services', {
      shortNames: ['svc'],
      categories: ['all'],
      subresources: ['status'],
    }),
    builtin('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
    builtin('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
    builtin('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
    builtin('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
    builtin('apps', 'v1', 'Deployment', 'deployments', {
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: ['status', 'scale'],
      hasGeneration: true,
    }),
    builtin('apps', 'v1', 'ReplicaSet', 'replicasets', {
      shortNames: ['rs'],
      categories: ['all'],
      subresources: ['status', 'scale'],
      hasGeneration: true,
    }),
    builtin('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  ];
}

interface CrdShape {
  spec?: {
    group?: string;
    scope?: string;
    names?: {
      kind?: string;
      listKind?: string;
      plural?: string;
      singular?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions?: {
      name?: string;
      served?: boolean;
      storage?: boolean;
      subresources?: Record<string, unknown>;
    }[];
  };
}

/** Derives the served resource type from a real CustomResourceDefinition object. */
export function resourceTypeFromCrd(crd: Record<string, unknown>): ResourceType {
  const spec = (crd as CrdShape).spec;
  const names = spec?.names;
  if (!spec?.group || !names?.kind || !names.plural) {
    throw new Error(
      'CustomResourceDefinition is missing spec.group, spec.names.kind or spec.names.plural',
    );
  }
  const served = (spec.versions ?? []).filter((v) => v.served && v.name);
  // Storage version first: it is the preferred version in discovery.
  served.sort((a, b) => Number(Boolean(b.storage)) - Number(Boolean(a.storage)));
  const subresources = new Set<string>();
  for (const v of served)
    for (const key of Object.keys(v.subresources ?? {})) subresources.add(key);
  return {
    group: spec.group,
    versions: served.map((v) => v.name as string),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: ALL_VERBS,
    subresources: [...subresources],
    builtin: false,
    hasGeneration: true,
    crd,
  };
}

/** Looks up resource types by group + plural, kind, or short name. */
export class ResourceRegistry {
  readonly #types: ResourceType[] = [];
  readonly #byKey = new Map<string, ResourceType>();

  constructor(types: Iterable<ResourceType>) {
    for (const type of types) this.add(type);
  }

  /** Registers a type; replaces one with the same group and plural. */
  add(type: ResourceType): void {
    const key = resourceKey(type);
    const existing = this.#byKey.get(key);
    if (existing) this.#types.splice(this.#types.indexOf(existing), 1);
    this.#types.push(type);
    this.#byKey.set(key, type);
  }

  /** All registered types. */
  all(): readonly ResourceType[] {
    return this.#types;
  }

  /** The type served at `group`/`plural`, in any served version. */
  byPlural(group: string, plural: string): ResourceType | undefined {
    return this.#byKey.get(`${group}/${plural}`);
  }

  /** The type with this kind (and group, when given). */
  byKind(kind: string, group?: string): ResourceType | undefined {
    return this.#types.find((t) => t.kind === kind && (group === undefined || t.group === group));
  }

  /** The type an `apiVersion` + `kind` pair names, if that version is served. */
  forObject(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = parseApiVersion(apiVersion);
    const type = this.byKind(kind, group);
    return type && type.versions.includes(version) ? type : undefined;
  }
}

/** `group/plural`, the store's key for a resource type. */
export function resourceKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

/** `deployments.apps`, `pods`: the name Kubernetes uses for a type in messages. */
export function qualifiedResource(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** Splits `apps/v1` into group and version; `v1` is the core group. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `apps/v1`, `v1`. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}
