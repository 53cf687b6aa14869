/**
 * Differential fidelity, a Deployment rollout: the idle slot (reviews-green, zero
 * replicas) is given replicas and a new image the way switchyard's deploy does it (a
 * replace through core's KubeClient), on the simulator and on the real test bed (real
 * controller manager, KWOK pods). The Deployment's status is watched on both and compared:
 * the phases it goes through as switchyard reads them (`rolloutStatus`, the Progressing
 * and Available conditions, observedGeneration), the fields it carries, and the final
 * Deployment and ReplicaSets. Then the slot is scaled back to zero and compared again.
 *
 * How many pods become ready per status update is timing (kept, docs/conformance.md):
 * consecutive identical phases are collapsed before comparing.
 */
import {
  KubeClient,
  loadKubeconfig,
  rolloutStatus,
  type Deployment,
} from '@switchyard/core/internal-testing';
import { GOOD_IMAGE, waitFor } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiPair, type ApiPair } from './differential/api-pair.js';
import { normalize, templateHashes } from './differential/normalize.js';
import type { RawApi, WatchEvent } from './differential/raw-api.js';

const NS = 'differential-rollout';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const REPLICASETS = `/apis/apps/v1/namespaces/${NS}/replicasets`;
const EVENTS = `/api/v1/namespaces/${NS}/events`;
const HASHES = { replace: templateHashes(['reviews-green']) };

let pair: ApiPair;
let clients: { sim: KubeClient; real: KubeClient };

beforeAll(async () => {
  pair = await startApiPair(inject('realCluster'), NS);
  const client = (path: string): KubeClient =>
    new KubeClient({ kubeConfig: loadKubeconfig({ path }).kubeConfig });
  clients = {
    sim: client(pair.simBed.sim.kubeconfigPath),
    real: client(inject('realCluster').kubeconfig),
  };
});
afterAll(async () => {
  await pair?.stop();
});

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

/** What switchyard reads of a Deployment at one moment. */
function phase(deployment: Deployment): string {
  const status = (deployment.status ?? {}) as { conditions?: Condition[] };
  const condition = (type: string): string => {
    const found = status.conditions?.find((c) => c.type === type);
    return found ? `${found.status}/${found.reason ?? ''}` : '-';
  };
  const rollout = rolloutStatus(deployment);
  return [
    `observed=${(deployment.status?.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0)}`,
    `rollout=${rollout.state}`,
    `Progressing=${condition('Progressing')}`,
    `Available=${condition('Available')}`,
  ].join(' ');
}

function collapse(phases: readonly string[]): string[] {
  return phases.filter((p, i) => i === 0 || p !== phases[i - 1]);
}

/** Status field names seen over a rollout. */
function statusFields(deployments: readonly Deployment[]): string[] {
  return [...new Set(deployments.flatMap((d) => Object.keys(d.status ?? {})))].sort();
}

interface Observed {
  phases: string[];
  fields: string[];
  final: unknown;
  replicaSets: unknown;
  events: unknown;
  summary: string;
}

/**
 * The deployment controller's Events about reviews-green, in order, without what each
 * server generates (names and times of Events, ReplicaSet hashes).
 */
function controllerEvents(events: readonly Record<string, unknown>[]): unknown[] {
  return [...events]
    .sort(
      (a, b) =>
        String(a.firstTimestamp).localeCompare(String(b.firstTimestamp)) ||
        String(a.message).localeCompare(String(b.message)),
    )
    .map((event) => {
      const { metadata: _m, firstTimestamp, lastTimestamp, ...rest } = event;
      expect(firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(lastTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      return normalize(rest, HASHES);
    });
}

/** Changes reviews-green with `change` on one server and watches it until `done`. */
async function observe(
  side: 'sim' | 'real',
  change: (deployment: Deployment) => Deployment,
  done: (deployment: Deployment) => boolean,
): Promise<Observed> {
  const api: RawApi = pair[side];
  const current = (await clients[side].deployments.get(NS, 'reviews-green')) as Deployment;
  const watch = await api.watch(
    `${DEPLOYMENTS}?fieldSelector=${encodeURIComponent('metadata.name=reviews-green')}&resourceVersion=${current.metadata.resourceVersion}`,
  );
  try {
    await clients[side].deployments.replace(change(structuredClone(current)));
    const seen = (): Deployment[] =>
      watch.events
        .filter((e: WatchEvent) => e.type === 'MODIFIED')
        .map((e) => e.object as unknown as Deployment);
    await waitFor(() => (seen().some(done) ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 100,
      description: `${side}: reviews-green rollout`,
    });
    // Late updates (old ReplicaSets scaled away, conditions refreshed) belong to the story.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const deployments = seen();
    const last = deployments.at(-1) as Deployment;
    const revision = (rs: { metadata: { annotations?: Record<string, string> } }): number =>
      Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    const replicaSets = (
      (
        await api.request(
          'GET',
          `${REPLICASETS}?labelSelector=${encodeURIComponent('app=reviews,version=green')}`,
        )
      ).body as { items: { metadata: { annotations?: Record<string, string> } }[] }
    ).items.sort((a, b) => revision(a) - revision(b));
    const events = (
      (
        await api.request(
          'GET',
          `${EVENTS}?fieldSelector=${encodeURIComponent('involvedObject.kind=Deployment,involvedObject.name=reviews-green')}`,
        )
      ).body as { items: Record<string, unknown>[] }
    ).items;
    return {
      phases: collapse(deployments.map(phase)),
      fields: statusFields(deployments),
      final: normalize(last, HASHES),
      replicaSets: normalize(replicaSets, HASHES),
      events: controllerEvents(events),
      summary: rolloutStatus(last).summary,
    };
  } finally {
    watch.stop();
  }
}

const complete = (replicas: number) => (d: Deployment) =>
  (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
  (d.status?.updatedReplicas ?? 0) === replicas &&
  (d.status?.availableReplicas ?? 0) === replicas &&
  (d.status?.replicas ?? 0) === replicas;

describe('a rollout of the idle slot', () => {
  it('goes through the same phases to the same final state', async () => {
    const deploy = (d: Deployment): Deployment => {
      d.spec.replicas = 3;
      const container = d.spec.template.spec?.containers[0];
      if (container) container.image = GOOD_IMAGE;
      return d;
    };
    const sim = await observe('sim', deploy, complete(3));
    const real = await observe('real', deploy, complete(3));
    expect(sim).toEqual(real);
    // Kept: each server hashes the pod template its own way (Go's spew dump of the struct
    // versus canonical JSON): same alphabet and length range, different values.
    const hashes = await Promise.all(
      (['sim', 'real'] as const).map(async (side) => {
        const d = (await clients[side].deployments.get(NS, 'reviews-green')) as Deployment;
        const list = (
          await pair[side].request(
            'GET',
            `${REPLICASETS}?labelSelector=${encodeURIComponent('app=reviews,version=green')}`,
          )
        ).body as {
          items: {
            metadata: { labels: Record<string, string>; annotations: Record<string, string> };
          }[];
        };
        const current = list.items.find(
          (rs) =>
            rs.metadata.annotations['deployment.kubernetes.io/revision'] ===
            d.metadata.annotations?.['deployment.kubernetes.io/revision'],
        );
        return current?.metadata.labels['pod-template-hash'] ?? '';
      }),
    );
    for (const hash of hashes) expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(hashes[0]).not.toBe(hashes[1]);
    expect(real.phases.at(-1)).toBe(
      'observed=true rollout=complete Progressing=True/NewReplicaSetAvailable Available=True/MinimumReplicasAvailable',
    );
  });

  it('scales back to zero the same way', async () => {
    const scaleDown = (d: Deployment): Deployment => {
      d.spec.replicas = 0;
      return d;
    };
    const noneLeft = (d: Deployment): boolean =>
      complete(0)(d) && (d.status as { terminatingReplicas?: number }).terminatingReplicas === 0;
    const sim = await observe('sim', scaleDown, noneLeft);
    const real = await observe('real', scaleDown, noneLeft);
    expect(sim).toEqual(real);
  });
});
