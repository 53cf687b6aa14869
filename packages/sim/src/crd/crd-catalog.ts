/**
 * The CustomResourceDefinitions the simulator serves, loaded from the real Istio CRDs in
 * `assets/networking-crds.yaml` (VirtualService, DestinationRule, Gateway) and
 * `assets/policy-crds.yaml` (ServiceEntry, PeerAuthentication), with every version's schema
 * and CEL rules compiled once.
 */
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { resourceTypeFromCrd, type ResourceType } from '../store/resource-types.js';
import { hasRules } from './crd-rules.js';
import { compileSchema, type SchemaNode } from './structural-schema.js';

/** The CRD file shipped with the package (resolves from both `src/crd` and `dist/crd`). */
export const ISTIO_CRDS_URL = new URL('../../assets/networking-crds.yaml', import.meta.url);

/** The ServiceEntry and PeerAuthentication CRDs, which preflight checks read. */
export const ISTIO_POLICY_CRDS_URL = new URL('../../assets/policy-crds.yaml', import.meta.url);

/** One served version of a CRD, compiled. */
export interface CrdVersion {
  /** API group. */
  readonly group: string;
  /** Version name (`v1`). */
  readonly version: string;
  /** Kind. */
  readonly kind: string;
  /** List kind. */
  readonly listKind: string;
  /** Plural resource name. */
  readonly plural: string;
  /** Namespaced or cluster-scoped. */
  readonly namespaced: boolean;
  /** The version's `openAPIV3Schema`, as written in the CRD. */
  readonly openApiSchema: Record<string, unknown>;
  /** The compiled schema. */
  readonly schema: SchemaNode;
  /** Whether any `x-kubernetes-validations` rule exists in the schema. */
  readonly hasRules: boolean;
  /** Whether the version declares the status subresource. */
  readonly statusSubresource: boolean;
}

interface CrdVersionShape {
  name?: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: Record<string, unknown>;
}

/**
 * Reads the Istio CRDs (VirtualService, DestinationRule, Gateway, ServiceEntry,
 * PeerAuthentication) from the package assets.
 */
export function loadIstioCrds(): Record<string, unknown>[] {
  const documents = [ISTIO_CRDS_URL, ISTIO_POLICY_CRDS_URL].flatMap((url) =>
    loadAll(readFileSync(url, 'utf8')),
  );
  return documents.filter(
    (doc): doc is Record<string, unknown> =>
      typeof doc === 'object' &&
      doc !== null &&
      (doc as { kind?: unknown }).kind === 'CustomResourceDefinition',
  );
}

let istioCatalog: CrdCatalog | undefined;

/** Compiled CRDs, looked up by group, version and kind or plural. */
export class CrdCatalog {
  readonly #versions = new Map<string, CrdVersion>();
  readonly #types: ResourceType[] = [];
  readonly #crds: Record<string, unknown>[];

  /** Compiles the given CRD objects; throws on schema constructs the simulator does not implement. */
  constructor(crds: readonly Record<string, unknown>[]) {
    this.#crds = [...crds];
    for (const crd of crds) {
      const type = resourceTypeFromCrd(crd);
      this.#types.push(type);
      const versions = (
        (crd.spec as { versions?: CrdVersionShape[] } | undefined)?.versions ?? []
      ).filter((v) => v.served && v.name);
      for (const version of versions) {
        const openApiSchema = version.schema?.openAPIV3Schema;
        if (!openApiSchema)
          throw new Error(
            `CRD ${type.plural}.${type.group} version ${version.name} has no openAPIV3Schema`,
          );
        const schema = compileSchema(openApiSchema, `${type.plural}.${type.group}/${version.name}`);
        const entry: CrdVersion = {
          group: type.group,
          version: version.name as string,
          kind: type.kind,
          listKind: type.listKind,
          plural: type.plural,
          namespaced: type.namespaced,
          openApiSchema,
          schema,
          hasRules: hasRules(schema),
          statusSubresource: Object.hasOwn(version.subresources ?? {}, 'status'),
        };
        this.#versions.set(`${type.group}/${entry.version}/${type.plural}`, entry);
      }
    }
  }

  /**
   * The catalog of the Istio networking CRDs shipped in `assets/`. Parsing and compiling take a
   * noticeable fraction of a second, so one instance is shared; it is never mutated.
   */
  static istio(): CrdCatalog {
    istioCatalog ??= new CrdCatalog(loadIstioCrds());
    return istioCatalog;
  }

  /** The CRD objects, as loaded. */
  get crds(): readonly Record<string, unknown>[] {
    return this.#crds;
  }

  /** The resource types these CRDs define (`resourceTypeFromCrd`). */
  resourceTypes(): ResourceType[] {
    return [...this.#types];
  }

  /** The compiled version of the type served at `group`/`plural`, if served. */
  version(group: string, plural: string, version: string): CrdVersion | undefined {
    return this.#versions.get(`${group}/${version}/${plural}`);
  }

  /** All compiled versions. */
  versions(): CrdVersion[] {
    return [...this.#versions.values()];
  }

  /** The served group-versions, in CRD order. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Set<string>();
    const result: { group: string; version: string }[] = [];
    for (const v of this.#versions.values()) {
      const key = `${v.group}/${v.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push({ group: v.group, version: v.version });
    }
    return result;
  }
}
