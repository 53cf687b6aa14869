/**
 * Test wiring for the API server: a registry with the built-in types and the real Istio
 * networking CRDs, a store with a few namespaces, and a small Admission whose rules the
 * tests control (a weight < 0 is a schema problem, a `spec.deny` field is denied by a
 * webhook, unknown `spec.bogus` fields are reported per fieldValidation).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { PodNetwork } from '../../net/pod-network.js';
import type { Admission, FieldValidation, SchemaResult } from '../../store/admission.js';
import { ObjectStore, type KubeObjectInput } from '../../store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  resourceTypeFromCrd,
  type ResourceType,
} from '../../store/resource-types.js';
import { ApiServer, type ApiServerOptions } from '../api-server.js';

const CRD_PATH = fileURLToPath(new URL('../../../assets/networking-crds.yaml', import.meta.url));

/** The real Istio networking CRD documents. */
export function networkingCrds(): Record<string, unknown>[] {
  return loadAll(readFileSync(CRD_PATH, 'utf8')).filter(
    (d): d is Record<string, unknown> => d !== null && typeof d === 'object',
  );
}

/** Built-in types plus the Istio networking types. */
export function testRegistry(): ResourceRegistry {
  return new ResourceRegistry([
    ...builtinResourceTypes(),
    ...networkingCrds().map((crd) => resourceTypeFromCrd(crd)),
  ]);
}

/** A type by plural, failing loudly when missing. */
export function typeOf(registry: ResourceRegistry, group: string, plural: string): ResourceType {
  const type = registry.byPlural(group, plural);
  if (!type) throw new Error(`no type ${group}/${plural}`);
  return type;
}

/**
 * A deliberately small admission: enough to exercise every path of the API server
 * (pruning, warnings, strict unknown fields, 422 problems, webhook denial, OpenAPI v3).
 */
export class TestAdmission implements Admission {
  /** Objects seen by validateWebhooks, newest last. */
  readonly webhookCalls: { operation: string; name: string }[] = [];

  validateSchema(
    type: ResourceType,
    _version: string,
    object: Record<string, unknown>,
    fieldValidation: FieldValidation,
  ): SchemaResult | undefined {
    if (type.builtin) return undefined;
    const pruned = structuredClone(object);
    const spec = (pruned.spec ?? {}) as Record<string, unknown>;
    const problems: SchemaResult['problems'] = [];
    const warnings: string[] = [];
    if ('bogus' in spec) {
      delete spec.bogus;
      if (fieldValidation === 'Strict')
        problems.push({ type: 'FieldValueUnknown', field: 'spec.bogus', message: 'unknown field' });
      if (fieldValidation === 'Warn') warnings.push('unknown field "spec.bogus"');
    }
    const http = (spec.http ?? []) as { route?: { weight?: number }[] }[];
    http.forEach((h, i) =>
      (h.route ?? []).forEach((r, j) => {
        if (typeof r.weight === 'number' && r.weight < 0) {
          problems.push({
            type: 'FieldValueInvalid',
            field: `spec.http[${i}].route[${j}].weight`,
            message: `Invalid value: ${r.weight}: spec.http[${i}].route[${j}].weight in body should be greater than or equal to 0`,
          });
        }
      }),
    );
    return { object: pruned, problems, warnings };
  }

  validateWebhooks(
    type: ResourceType,
    operation: 'CREATE' | 'UPDATE' | 'DELETE',
    object: Record<string, unknown>,
  ): { webhook: string; message: string } | undefined {
    if (type.builtin) return undefined;
    const name = (object.metadata as { name?: string } | undefined)?.name ?? '';
    this.webhookCalls.push({ operation, name });
    if ((object.spec as { deny?: unknown } | undefined)?.deny !== undefined) {
      return {
        webhook: 'validation.istio.io',
        message: 'configuration is invalid: denied by test',
      };
    }
    return undefined;
  }

  crdSchema(type: ResourceType): Record<string, unknown> | undefined {
    return type.builtin
      ? undefined
      : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
}

/** A running test API server with its store. */
export interface TestCluster {
  server: ApiServer;
  store: ObjectStore;
  registry: ResourceRegistry;
  podNetwork: PodNetwork;
  admission: TestAdmission;
  url: string;
  caPem: string;
  token: string;
  /** Creates an object directly in the store (seeding). */
  seed(group: string, plural: string, namespace: string | undefined, object: KubeObjectInput): void;
  stop(): Promise<void>;
}

/** Starts an API server over a fresh store with namespaces `default` and `bookinfo`. */
export async function startTestCluster(
  options: Partial<ApiServerOptions> = {},
  makeStore: (registry: ResourceRegistry) => ObjectStore = (registry) => new ObjectStore(registry),
): Promise<TestCluster> {
  const registry = testRegistry();
  const store = makeStore(registry);
  const podNetwork = new PodNetwork();
  const admission = new TestAdmission();
  for (const ns of ['default', 'bookinfo']) {
    store.create(typeOf(registry, '', 'namespaces'), undefined, {
      metadata: { name: ns },
      status: { phase: 'Active' },
    });
  }
  const server = new ApiServer({ store, registry, podNetwork, admission, ...options });
  const { url, caPem } = await server.start();
  return {
    server,
    store,
    registry,
    podNetwork,
    admission,
    url,
    caPem,
    token: server.token,
    seed(group, plural, namespace, object) {
      store.create(typeOf(registry, group, plural), namespace, object);
    },
    async stop() {
      await server.stop();
      podNetwork.close();
    },
  };
}
