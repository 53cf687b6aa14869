/**
 * Istio's bookinfo samples (packages/core/src/istio/__fixtures__) as route-builder inputs:
 * the Services of `bookinfo.yaml` in namespace `bookinfo` with cluster IPs, and the
 * VirtualService / DestinationRule / Gateway samples as `IstioConfig`s.
 */
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import type { KubeObject } from '../../store/object-store.js';
import {
  istioConfigFromObject,
  type DestinationRuleSpec,
  type GatewaySpec,
  type IstioConfig,
  type VirtualServiceSpec,
} from '../istio-config.js';
import { meshServiceFromObject, type MeshService } from '../mesh-service.js';

/** Namespace the samples are placed in. */
export const BOOKINFO = 'bookinfo';

const FIXTURES = new URL('../../../../core/src/istio/__fixtures__/', import.meta.url);

/** The documents of a bookinfo sample file, with namespace and creation time filled in. */
export function bookinfoDocuments(file: string, namespace = BOOKINFO): KubeObject[] {
  const documents = loadAll(readFileSync(new URL(file, FIXTURES), 'utf8')) as (KubeObject | null)[];
  let second = 0;
  return documents
    .filter((d): d is KubeObject => d !== null && typeof d === 'object')
    .map((d) => ({
      ...d,
      metadata: {
        ...d.metadata,
        namespace,
        uid: `${d.kind}-${d.metadata.name}`,
        resourceVersion: '1',
        // Distinct times keep istiod's oldest-first order equal to file order.
        creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second++)).toISOString(),
      },
    }));
}

/** Cluster IPs for the bookinfo Services. */
export const BOOKINFO_CLUSTER_IPS: Readonly<Record<string, string>> = {
  details: '10.96.0.11',
  ratings: '10.96.0.12',
  reviews: '10.96.12.34',
  productpage: '10.96.0.14',
};

/** The bookinfo Services. */
export function bookinfoServices(): MeshService[] {
  return bookinfoDocuments('bookinfo.yaml')
    .filter((d) => d.kind === 'Service')
    .map((d) => {
      const spec = { ...(d.spec as object), clusterIP: BOOKINFO_CLUSTER_IPS[d.metadata.name] };
      return meshServiceFromObject({ ...d, spec }) as MeshService;
    });
}

/** The VirtualServices of a sample file. */
export function bookinfoVirtualServices(file: string): IstioConfig<VirtualServiceSpec>[] {
  return bookinfoDocuments(file)
    .filter((d) => d.kind === 'VirtualService')
    .map((d) => istioConfigFromObject<VirtualServiceSpec>(d));
}

/** The DestinationRules of a sample file. */
export function bookinfoDestinationRules(file: string): IstioConfig<DestinationRuleSpec>[] {
  return bookinfoDocuments(file)
    .filter((d) => d.kind === 'DestinationRule')
    .map((d) => istioConfigFromObject<DestinationRuleSpec>(d));
}

/** The Gateways of a sample file. */
export function bookinfoGateways(file: string): IstioConfig<GatewaySpec>[] {
  return bookinfoDocuments(file)
    .filter((d) => d.kind === 'Gateway')
    .map((d) => istioConfigFromObject<GatewaySpec>(d));
}
