// Simulator scale benchmark (issue 2): 10,000 sidecar proxies across 3 istiod replicas,
// /debug/syncz of every replica fetched through a real port-forward, and 2,000 synthetic
// requests per second. Prints figures; asserts nothing. Needs the build (tsc -b).
import { KubeClient, loadKubeconfig, openPortForward } from '@switchyard/core/internal-testing';
import { BOOKINFO_MANIFESTS } from '@switchyard/test-utils';
import { startSimulator } from '@switchyard/sim';

const PROXIES = Number(process.env.BENCH_PROXIES ?? 10_000);
const RPS = Number(process.env.BENCH_RPS ?? 2_000);
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function measureSyncz(sim, label) {
  // syncz of every replica through the API server's port-forward, as the sync gate reads it.
  const { kubeConfig } = loadKubeconfig({ path: sim.kubeconfigPath });
  const client = new KubeClient({ kubeConfig });
  const istiods = (await client.pods.list('istio-system', { labelSelector: 'app=istiod' })).map(
    (p) => p.metadata.name,
  );
  for (const pod of istiods) {
    const forward = await openPortForward(
      kubeConfig,
      { namespace: 'istio-system', pod, port: 15014 },
      { verify: false },
    );
    try {
      const timings = [];
      let count = 0;
      let bytes = 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const response = await forward.fetch('/debug/syncz', { timeoutMs: 60_000 });
        count = JSON.parse(response.body.toString('utf8')).length;
        bytes = response.body.length;
        timings.push(performance.now() - t0);
      }
      timings.sort((a, b) => a - b);
      console.log(
        `syncz ${label} ${pod}: ${count} proxies, ${(bytes / 1e6).toFixed(1)} MB, median ${timings[2].toFixed(0)} ms, max ${timings[4].toFixed(0)} ms (target < 1000 ms)`,
      );
    } finally {
      await forward.close();
    }
  }
}

const started = Date.now();
const sim = await startSimulator({
  scenario: {
    manifests: [BOOKINFO_MANIFESTS],
    istio: {
      replicas: 3,
      debounceMs: 100,
      applyDelay: { medianMs: 200, p99Ms: 1000 },
      ingressGateway: { enabled: true, replicas: 1 },
    },
    pods: { readyDelayMs: 100, terminationDelayMs: 100 },
    clients: [
      {
        name: 'fleet',
        namespace: 'bookinfo',
        replicas: PROXIES,
        rps: 0,
        target: { host: 'reviews', port: 9080 },
      },
      {
        name: 'loadgen',
        namespace: 'bookinfo',
        replicas: 4,
        rps: RPS,
        target: { host: 'reviews', port: 9080 },
      },
    ],
  },
});
try {
  await sim.waitForSettled({ timeoutMs: 600_000 });
  const proxies = [...sim.mesh.proxies()].length;
  console.log(
    `settled: ${proxies} proxies on ${sim.mesh.istiodPods().length} istiod replicas in ${seconds(Date.now() - started)}`,
  );

  await measureSyncz(sim, 'idle');

  // Traffic: intended versus generated over 10 s at the configured rate.
  sim.controls.setClients(
    sim.scenario.clients.map((c) => (c.name === 'loadgen' ? { ...c, rps: RPS } : c)),
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const before = sim.traffic.throughput();
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const after = sim.traffic.throughput();
  const elapsed = (Date.now() - t0) / 1000;
  const intended = after.intended - before.intended;
  const generated = after.generated - before.generated;
  console.log(
    `traffic: ${RPS} rps configured, ${(generated / elapsed).toFixed(0)} rps generated, ${generated}/${Math.round(intended)} intended requests sent (${((100 * generated) / Math.max(1, intended)).toFixed(1)}%)`,
  );
  await measureSyncz(sim, `under ${RPS} rps`);
} finally {
  await sim.stop();
}
