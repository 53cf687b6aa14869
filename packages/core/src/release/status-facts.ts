/**
 * Reading what `status` reports on: the objects (the routing object with the record and
 * its companions, the Service, both Deployments), each slot's image and ready pods, the
 * lock's Lease, and the sync state of the proxies the route backend is gated on. Read-only: takes no lock, writes nothing. `status.ts` turns
 * these facts into the report.
 */
import type { Lease } from '../kube/kube-types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { leaseName } from './lease-lock.js';
import type { SyncStatusSummary } from '../gates/sync-gate.js';
import type { OperationDependencies } from './operation-dependencies.js';
import { readReleaseObjects, readyPodCount, type ReleaseObjects } from './release-objects.js';
import type { Slot } from './state-record.js';

/** One slot in a status report. */
export interface SlotStatus {
  /** Deployment name. */
  deployment: string;
  /** Whether the Deployment exists. */
  exists: boolean;
  /** Image of the managed container; undefined when the Deployment does not exist. */
  image: string | undefined;
  /** Desired replicas. */
  replicas: number;
  /** Ready pods. */
  ready: number;
}

/** What the cluster says about a service's releases right now. */
export interface StatusFacts {
  /** The objects as read, with the release record and the live weights. */
  objects: ReleaseObjects;
  /** Both slots. */
  slots: Record<Slot, SlotStatus>;
  /** The release lock's Lease; undefined when it does not exist. */
  lease: Lease | undefined;
  /** Proxy sync state, or why it could not be read; undefined when not asked for. */
  sync: SyncStatusSummary | { error: string } | undefined;
}

/** Options of a status read. */
export interface StatusOptions {
  /** Read the proxies' sync state (default true). */
  sync?: boolean | undefined;
  /** Aborts the reads. */
  signal?: AbortSignal | undefined;
}

/** Reads the facts `status` reports on. */
export async function readStatusFacts(
  spec: ResolvedReleaseSpec,
  deps: Pick<OperationDependencies, 'kube' | 'syncGate'>,
  options: StatusOptions = {},
): Promise<StatusFacts> {
  const { kube } = deps;
  const objects = await readReleaseObjects(kube, spec, options.signal);
  const slots = {} as StatusFacts['slots'];
  for (const slot of ['blue', 'green'] as const) {
    const deployment = objects.deployments[slot];
    const containerName = spec.target.container;
    const containers = deployment?.spec.template.spec?.containers ?? [];
    const container = containerName
      ? containers.find((c) => c.name === containerName)
      : containers[0];
    slots[slot] = {
      deployment: spec.target.slots[slot].deployment,
      exists: deployment !== undefined,
      image: container?.image,
      replicas: deployment?.spec.replicas ?? 0,
      ready: deployment
        ? await readyPodCount(kube, spec, objects.service, slot, options.signal)
        : 0,
    };
  }
  const lease = await kube.leases.get(spec.namespace, leaseName(spec.service), {
    signal: options.signal,
  });
  let sync: StatusFacts['sync'];
  if (options.sync !== false) {
    try {
      const { backend, routing } = objects;
      sync = await deps.syncGate.currentStatus(backend.proxyScope(routing.object), options.signal);
    } catch (error) {
      sync = { error: (error as Error).message };
    }
  }
  return { objects, slots, lease, sync };
}
