/**
 * The proxy sync gate and the data-plane verifier against the simulator, through the real
 * client stack: @kubernetes/client-node (KubeClient, KubePortForwarder) over HTTPS and
 * port-forward WebSockets into the simulated istiod pods and Envoy admin ports.
 *
 * What must hold: the gate sees the proxies of both istiod replicas; it returns only once
 * every proxy has applied (and acked) the change, and soon after the last one did; a stuck
 * proxy is named in the timeout error; a proxy joining mid-wait is counted; config_dump
 * proves the routes of synced proxies and catches a stuck proxy's old routes.
 */
import { startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigRejectedError,
  DataplaneMismatchError,
  SyncTimeoutError,
} from '@switchyard/core/errors';
import {
  EnvoyDataplaneVerifier,
  inspectRoutes,
  IstiodPortForwardSource,
  IstiodSyncGate,
  type JsonPatchOperation,
  KubeClient,
  loadKubeconfig,
  KubePortForwarder,
  type DataplaneExpectation,
  type ProxyScope,
  type SyncProgress,
} from '@switchyard/core/internal-testing';
import type { ProxyView } from '../../packages/sim/src/mesh/mesh-types.js';

const FQDN = 'reviews.bookinfo.svc.cluster.local';
const POLL_INTERVAL_MS = 500;

let bed: SimulatedCluster;
let kube: KubeClient;
let source: IstiodPortForwardSource;
/** The scope of these tests: every proxy (a VirtualService's default `sync.scope`). */
const EVERY_PROXY: ProxyScope = { sets: [{ namespaces: undefined, selector: undefined }] };
let gate: IstiodSyncGate;
let verifier: EnvoyDataplaneVerifier;

beforeAll(async () => {
  bed = await startSimulatedCluster();
  const { kubeConfig } = loadKubeconfig({ path: bed.sim.kubeconfigPath });
  kube = new KubeClient({ kubeConfig });
  const portForwarder = new KubePortForwarder(kubeConfig);
  source = new IstiodPortForwardSource({
    pods: kube.pods,
    portForwarder,
    namespace: 'istio-system',
  });
  gate = new IstiodSyncGate({
    source,
    pods: kube.pods,
    sync: {
      pollIntervalMs: POLL_INTERVAL_MS,
      requiredRatio: 1,
    },
  });
  verifier = new EnvoyDataplaneVerifier({
    proxies: (scope, signal) => gate.proxiesInScope(scope, signal),
    portForwarder,
    services: kube.services,
    pods: kube.pods,
  });
});

afterAll(async () => {
  await gate?.close();
  await bed?.stop();
});

afterEach(async () => {
  bed.sim.controls.setProxyOverrides([]);
  await bed.sim.waitForSettled({ timeoutMs: 30_000 });
});

let blue = 100;

/** Changes the weights of the managed route (a real JSON Patch through the API server). */
async function setWeights(blueWeight: number): Promise<void> {
  blue = blueWeight;
  const ops: JsonPatchOperation[] = [
    { op: 'replace', path: '/spec/http/0/route/0/weight', value: blueWeight },
    { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 - blueWeight },
  ];
  await kube.virtualServices.patch('bookinfo', 'reviews', ops);
}

function expectation(header = false): DataplaneExpectation {
  return {
    host: FQDN,
    port: 9080,
    weights: { blue, green: 100 - blue },
    routeName: 'primary',
    headerRoute: { name: 'switchyard-reviews-prerelease', present: header },
  };
}

/** Whether the routes a simulated proxy runs on carry the expected split. */
function appliedRoutesMatch(proxy: ProxyView): boolean {
  const configs = (proxy.applied?.routes ?? []).map((routeConfig) => ({
    version: proxy.applied?.version ?? '',
    routeConfig,
  }));
  const inspection = inspectRoutes(configs, expectation(), proxy.proxyType);
  return inspection.relevant && inspection.mismatch === undefined;
}

function proxies(): ProxyView[] {
  return [...bed.sim.mesh.proxies()];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

describe('IstiodSyncGate against the simulator', () => {
  it('sees every proxy, on both istiod replicas', async () => {
    const status = await gate.currentStatus(EVERY_PROXY);
    const mesh = proxies();
    expect(status.istiodReplicas).toBe(2);
    expect(status.total).toBe(mesh.length);
    expect(status.synced).toBe(mesh.length);
    const seen = await gate.proxiesInScope(EVERY_PROXY);
    expect(new Map(seen.map((p) => [p.proxy, p.istiod]))).toEqual(
      new Map(mesh.map((p) => [p.id, p.istiod])),
    );
    expect(new Set(seen.map((p) => p.istiod)).size).toBe(2);
    expect(seen.filter((p) => p.proxyType === 'router').map((p) => p.pod)).toEqual([
      expect.stringMatching(/^istio-ingressgateway-/) as string,
    ]);
    // One forward per istiod replica, kept open across polls.
    expect(source.openForwards).toBe(2);
  });

  it('returns after each of 20 weight changes only once every proxy applied it, soon after the last ack', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const snapshot = await gate.snapshot();
      await setWeights(i % 2 === 0 ? 90 - i : 100);
      const report = await gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 30_000 });
      const mesh = proxies();
      // Correctness: not one proxy is still on the old routes when the gate returns.
      expect(mesh.filter((p) => !appliedRoutesMatch(p)).map((p) => p.id)).toEqual([]);
      expect(report).toMatchObject({ synced: mesh.length, total: mesh.length, istiodReplicas: 2 });
      const lastAck = Math.max(...mesh.map((p) => p.appliedAt?.getTime() ?? 0));
      delays.push(report.completedAt - lastAck);
    }
    // The gate never returns before the last ack...
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    // ...and how soon after it is a figure, not an assertion (target: poll interval + 100 ms).
    const sorted = [...delays].sort((a, b) => a - b);
    console.log(
      `sync gate: last ack -> return over ${delays.length} changes (poll ${POLL_INTERVAL_MS} ms ±10%): ` +
        `min ${sorted[0]} ms, median ${percentile(sorted, 0.5)} ms, p90 ${percentile(sorted, 0.9)} ms, ` +
        `max ${sorted.at(-1)} ms (target <= ${POLL_INTERVAL_MS + 100} ms); ` +
        `within target: ${delays.filter((d) => d <= POLL_INTERVAL_MS + 100).length}/${delays.length}`,
    );
  });

  it('names a stuck proxy, its istiod replica and its wait in the timeout error', async () => {
    bed.sim.controls.setProxyOverrides([{ match: { workload: 'productpage' }, stuck: true }]);
    const stuck = proxies().find((p) => p.workload === 'productpage') as ProxyView;
    const snapshot = await gate.snapshot();
    await setWeights(70);
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 3_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncTimeoutError);
    const timeout = error as SyncTimeoutError;
    expect(timeout.unsynced).toHaveLength(1);
    expect(timeout.unsynced[0]).toMatchObject({
      proxy: stuck.id,
      istiod: stuck.istiod,
      state: 'STALE',
    });
    expect(timeout.unsynced[0]!.waitingMs).toBeGreaterThanOrEqual(3_000);
    expect(timeout.synced).toBe(timeout.total - 1);
    expect(timeout.message).toContain(`${stuck.id} (istiod ${stuck.istiod}): STALE for`);

    // The data plane agrees: the stuck proxy still routes 90/10 or whatever it had.
    const mismatch = await verifier
      .verify(expectation(), { scope: EVERY_PROXY, count: proxies().length })
      .catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(DataplaneMismatchError);
    expect((mismatch as DataplaneMismatchError).proxy).toBe(stuck.id);
    expect((mismatch as DataplaneMismatchError).message).toContain('expected blue=70, green=30');
  });

  it('counts a proxy that joins during the wait (a client scaled up)', async () => {
    // Slow proxies keep the wait open while the new client pod starts, and keep the newcomer
    // from acking its first push before the gate has seen it pending.
    const slow = { medianMs: 2_500, p99Ms: 3_000 };
    bed.sim.controls.setProxyOverrides([
      { match: { workload: 'release-tester' }, applyDelay: slow, stuck: false },
      { match: { workload: 'productpage' }, applyDelay: slow, stuck: false },
    ]);
    const before = new Set(proxies().map((p) => p.id));
    const snapshot = await gate.snapshot();
    await setWeights(60);
    await kube.deployments.patch('bookinfo', 'productpage', [
      { op: 'replace', path: '/spec/replicas', value: 2 },
    ]);
    const progress: SyncProgress[] = [];
    try {
      const report = await gate.waitForSync(snapshot, {
        scope: EVERY_PROXY,
        timeoutMs: 30_000,
        onProgress: (p) => progress.push(p),
      });
      const joined = proxies().filter((p) => !before.has(p.id));
      expect(joined.map((p) => p.workload)).toEqual(['productpage']);
      expect(report.total).toBe(before.size + 1);
      expect(report.synced).toBe(report.total);
      // Absent from the snapshot, counted once it showed up, and pending until it acked.
      const newcomer = joined[0]!.id;
      expect(
        progress.some(
          (p) => p.total === before.size + 1 && p.pending.some((u) => u.proxy === newcomer),
        ),
      ).toBe(true);
      expect(appliedRoutesMatch(joined[0]!)).toBe(true);
    } finally {
      await kube.deployments.patch('bookinfo', 'productpage', [
        { op: 'replace', path: '/spec/replicas', value: 1 },
      ]);
    }
  });
});

describe('IstiodSyncGate when Envoy rejects the routes', () => {
  it("fails fast naming the proxies and Envoy's message for weights past 2^32 - 1, then syncs the fix", async () => {
    const snapshot = await gate.snapshot();
    // Istio sums weights in int32 (this wraps to 1) and admits it; Envoy refuses the route.
    await kube.virtualServices.patch('bookinfo', 'reviews', [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 2_147_483_647 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 2_147_483_647 },
      {
        op: 'add',
        path: '/spec/http/0/route/-',
        value: { destination: { host: 'reviews' }, weight: 3 },
      },
    ]);
    try {
      const error = await gate
        .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 60_000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigRejectedError);
      const rejected = error as ConfigRejectedError;
      expect(rejected.rejected.length).toBeGreaterThan(0);
      const ids = new Map(proxies().map((p) => [p.id, p.istiod]));
      for (const proxy of rejected.rejected) {
        expect(proxy).toMatchObject({
          state: 'ERROR',
          lastError:
            'The sum of weights of all weighted clusters of route primary exceeds 4294967295',
        });
        expect(proxy.istiod).toBe(ids.get(proxy.proxy));
      }
      // Nobody runs the refused routes: every proxy still routes the last accepted split.
      expect(
        proxies()
          .filter((p) => !appliedRoutesMatch(p))
          .map((p) => p.id),
      ).toEqual([]);
    } finally {
      const fix = await gate.snapshot();
      await kube.virtualServices.patch('bookinfo', 'reviews', [
        { op: 'remove', path: '/spec/http/0/route/2' },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: blue },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 100 - blue },
      ]);
      const report = await gate.waitForSync(fix, { scope: EVERY_PROXY, timeoutMs: 30_000 });
      expect(report.synced).toBe(report.total);
      expect((await gate.currentStatus(EVERY_PROXY)).notSynced).toEqual([]);
    }
  });
});

describe('IstiodSyncGate when an istiod replica is replaced', () => {
  it('follows the proxies to the other replicas and forwards to the new pod', async () => {
    bed.sim.controls.setProxyOverrides([
      {
        match: { namespace: 'bookinfo' },
        applyDelay: { medianMs: 1_500, p99Ms: 2_000 },
        stuck: false,
      },
    ]);
    const status = await gate.proxiesInScope(EVERY_PROXY);
    const victim = status[0]!.istiod;
    const moved = status.filter((p) => p.istiod === victim).map((p) => p.proxy);
    const snapshot = await gate.snapshot();
    await setWeights(55);
    await bed.kubectl(['delete', 'pod', '-n', 'istio-system', victim, '--wait=false']);
    const report = await gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 30_000 });
    const mesh = proxies();
    expect(report).toMatchObject({ synced: mesh.length, total: mesh.length });
    expect(mesh.filter((p) => !appliedRoutesMatch(p)).map((p) => p.id)).toEqual([]);
    // Its proxies reconnected elsewhere, and the gate reads the replicas that serve now.
    await bed.sim.waitForSettled({ timeoutMs: 30_000 });
    const after = await gate.proxiesInScope(EVERY_PROXY);
    const istiods = new Set(after.map((p) => p.istiod));
    expect(istiods.has(victim)).toBe(false);
    expect(after.filter((p) => moved.includes(p.proxy)).map((p) => p.istiod)).not.toContain(victim);
    expect(source.openForwards).toBe((await gate.currentStatus(EVERY_PROXY)).istiodReplicas);
  });
});

describe('EnvoyDataplaneVerifier against the simulator', () => {
  it('proves synced proxies from their config_dump, gateway first', async () => {
    const snapshot = await gate.snapshot();
    await setWeights(85);
    await gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 30_000 });
    const checks = await verifier.verify(expectation(), { scope: EVERY_PROXY, count: 3 });
    expect(checks).toHaveLength(3);
    expect(checks[0]).toMatchObject({ proxyType: 'router' });
    const byId = new Map(proxies().map((p) => [p.id, p]));
    for (const check of checks) {
      const proxy = byId.get(check.proxy) as ProxyView;
      // Envoy's version_info is the push version syncz shows, and the one the proxy runs.
      expect(check.version).toBe(proxy.applied?.version);
      // Clients of reviews only: never reviews' own pods.
      expect(proxy.workload).not.toMatch(/^reviews-/);
    }
  });
});
