/**
 * One deploy and one gated canary release through switchyard's library, in a process of its
 * own so its peak memory is switchyard's (`../thousand-proxies.mjs` runs it). Writes JSON
 * lines on stdout: every release event, `{"mark": ...}` around the release (the parent counts
 * API requests between the marks), the syncz reads (`{"syncz": {bytes, ms}}`, one per poll of
 * every replica, through a port-forward as the gate reads it) and last `{"maxRssKiB": n}`.
 *
 *   node release-child.mjs <kubeconfig> <image> <steps>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { deploy, release } from '@switchyard/core';
import { KubeClient, loadKubeconfig, openPortForward } from '@switchyard/core/internal-testing';

const [kubeconfig, image, stepsText] = process.argv.slice(2);
const STEPS = Number(stepsText);
const SYNCZ_POLLS = 5;
const write = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const base = {
  kubeconfig,
  service: 'reviews',
  namespace: 'bookinfo',
  holderIdentity: 'bench',
  checks: { items: [] },
  sync: { timeout: '600s', pollInterval: '500ms' },
};
await deploy({ ...base, image });
await sleep(1000);
write({ mark: 'release-start' });
await release({
  ...base,
  strategy: {
    steps: Array.from({ length: STEPS }, (_, i) => ({
      weight: Math.round(((i + 1) * 100) / STEPS),
    })),
  },
  onEvent: write,
});
write({ mark: 'release-end' });
await sleep(1000);

// syncz as the gate reads it: every istiod replica over a port-forward to its debug port.
const kube = loadKubeconfig({ path: kubeconfig });
const client = new KubeClient({ kubeConfig: kube.kubeConfig });
const pods = await client.pods.list('istio-system', { labelSelector: 'app=istiod' });
for (const pod of pods) {
  const forward = await openPortForward(
    kube.kubeConfig,
    { namespace: 'istio-system', pod: pod.metadata.name, port: 15014 },
    { verify: false },
  );
  try {
    for (let i = 0; i < SYNCZ_POLLS; i++) {
      const started = performance.now();
      const response = await forward.fetch('/debug/syncz', { timeoutMs: 60_000 });
      const body = response.body.toString('utf8');
      const proxies = JSON.parse(body).length;
      write({
        syncz: {
          istiod: pod.metadata.name,
          bytes: body.length,
          ms: performance.now() - started,
          proxies,
        },
      });
    }
  } finally {
    await forward.close();
  }
}
write({ maxRssKiB: process.resourceUsage().maxRSS });
