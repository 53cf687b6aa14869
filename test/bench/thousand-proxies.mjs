/**
 * A thousand proxies on real istiod (testbed/: 2 istiod replicas, the proxy fleet on real
 * xDS). At 10 sidecars, then at `--pods` (default 1000) spread over 10 namespaces, one
 * deploy and one gated canary release of bookinfo's reviews (`--steps`, default 4, sync
 * scope every proxy) through switchyard's library in a child process
 * (`thousand-proxies/release-child.mjs`), its API calls recorded on the wire. Prints per size:
 *
 *   - gate lag after the last ack: from the last proxy applying (acking) a step's routes, in
 *     the fleet's own state, to the gate reporting the step synced;
 *   - syncz read time and size per poll of one replica, over a port-forward as the gate reads;
 *   - switchyard's peak memory (the child's max RSS);
 *   - API requests per step: every request of the release (writes, reads, port-forwards)
 *     divided by its steps, and per syncz poll; fails when the requests outside polling
 *     differ between the sizes (they must not grow with pods).
 *
 * Run after `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/thousand-proxies.mjs [--pods 1000] [--steps 4]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startApiRecorder } from '@switchyard/test-utils';

const root = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const PODS = arg('--pods', 1000);
const STEPS = arg('--steps', 4);
const NAMESPACES = 10;
const IMAGES = [
  'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1',
  'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1',
];

function testbed(args) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'testbed.mjs'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`testbed ${args[0]} failed`);
  return result.stdout;
}

const line = (stdout, key) =>
  stdout
    .split('\n')
    .find((l) => l.startsWith(`${key}: `))
    ?.slice(key.length + 2)
    .trim();

function kubectl(kubeconfig, args, input) {
  const result = spawnSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    encoding: 'utf8',
    input,
  });
  if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function fleetState(controlUrl) {
  const response = await fetch(`${controlUrl}/state`);
  return response.json();
}

/**
 * Sidecars the fleet plays that have routes (those outside the load namespaces apart), and
 * the last time any of them applied routes.
 */
async function sidecars(controlUrl) {
  const state = await fleetState(controlUrl);
  let lastRouteApply = 0;
  let withRoutes = 0;
  let bookinfo = 0;
  for (const proxy of state.proxies.items) {
    if (proxy.proxyType !== 'sidecar') continue;
    const at = Date.parse(proxy.applied?.rds?.appliedAt ?? '');
    if (Number.isFinite(at)) {
      withRoutes += 1;
      if (!proxy.namespace.startsWith('scale-')) bookinfo += 1;
      lastRouteApply = Math.max(lastRouteApply, at);
    }
  }
  return { withRoutes, bookinfo, lastRouteApply };
}

/** Scales the load Deployments so that `total` sidecars run, `base` of them bookinfo's. */
function scaleLoad(kubeconfig, base, total) {
  const load = Math.max(0, total - base);
  for (let i = 0; i < NAMESPACES; i++) {
    const share = Math.floor(load / NAMESPACES) + (i < load % NAMESPACES ? 1 : 0);
    kubectl(kubeconfig, ['-n', `scale-${i}`, 'scale', 'deployment/load', `--replicas=${share}`]);
  }
}

function loadObjects() {
  const items = [];
  for (let i = 0; i < NAMESPACES; i++) {
    const namespace = `scale-${i}`;
    items.push(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace, labels: { 'istio-injection': 'enabled' } },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'load', namespace },
        spec: { selector: { app: 'load' }, ports: [{ name: 'http', port: 9080 }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'load', namespace },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'load' } },
          template: {
            metadata: { labels: { app: 'load', version: 'v1' } },
            spec: {
              containers: [
                {
                  name: 'load',
                  image: 'docker.io/istio/examples-bookinfo-ratings-v1:1.20.1',
                  ports: [{ containerPort: 9080 }],
                },
              ],
            },
          },
        },
      },
    );
  }
  return { apiVersion: 'v1', kind: 'List', items };
}

/** Waits until `want` sidecars have routes (at most 12 minutes); returns how many did. */
async function waitForSidecars(controlUrl, want) {
  const deadline = Date.now() + 12 * 60_000;
  let seen = 0;
  let last = -1;
  while (Date.now() < deadline) {
    seen = (await sidecars(controlUrl)).withRoutes;
    if (seen >= want) return seen;
    if (seen !== last) process.stdout.write(`  ${seen}/${want} sidecars with routes\n`);
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  return seen;
}

/**
 * Requests of a release that follow neither its duration nor the number of syncz polls: all
 * but the polls' istiod pod lists and port-forwards, and the Lease renewals (on a timer).
 */
const outside = (row) => row.requests - row.istiodLists - row.synczForwards - row.leaseRenewals;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : Number.NaN;
};

/** One deploy + release at the current size, measured. */
async function measure(kubeconfig, controlUrl, recorder, image) {
  const child = spawn(
    process.execPath,
    [join(root, 'test/bench/thousand-proxies/release-child.mjs'), kubeconfig, image, String(STEPS)],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const gateLag = [];
  const syncz = [];
  const pending = [];
  let from = 0;
  let to = 0;
  let maxRssKiB = Number.NaN;
  let polls = 0;
  for await (const text of createInterface({ input: child.stdout })) {
    const message = JSON.parse(text);
    if (message.mark === 'release-start') from = recorder.requests.length;
    if (message.mark === 'release-end') to = recorder.requests.length;
    if (message.syncz) syncz.push(message.syncz);
    if (message.maxRssKiB !== undefined) maxRssKiB = message.maxRssKiB;
    if (message.type === 'sync-progress') polls += 1;
    if (message.type === 'sync-completed') {
      const completedAt = message.at;
      pending.push(
        sidecars(controlUrl).then(({ lastRouteApply }) =>
          gateLag.push(completedAt - lastRouteApply),
        ),
      );
    }
  }
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`release child exited ${code}`);
  await Promise.all(pending);
  const requests = recorder.requests.slice(from, to);
  // Per syncz poll: the istiod pods listed, and a port-forward request to each replica.
  const istiodLists = requests.filter(
    (r) => r.method === 'GET' && r.url.includes('/namespaces/istio-system/pods?'),
  ).length;
  const synczForwards = requests.filter(
    (r) => r.upgrade && r.url.includes('/namespaces/istio-system/pods/'),
  ).length;
  const envoyForwards = requests.filter(
    (r) => r.upgrade && !r.url.includes('/namespaces/istio-system/'),
  ).length;
  // The lock's Lease is renewed on a timer: its requests follow the release's duration.
  const leaseRenewals = requests.filter(
    (r) => r.method === 'PUT' && r.url.includes('/apis/coordination.k8s.io/'),
  ).length;
  return {
    gateLag,
    syncz,
    maxRssKiB,
    polls,
    requests: requests.length,
    istiodLists,
    synczForwards,
    envoyForwards,
    leaseRenewals,
    writes: requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && !r.upgrade).length,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-thousand-'));
process.stdout.write(
  `starting the real control plane test bed (load average ${loadavg()[0].toFixed(1)})...\n`,
);
const up = testbed(['up', `--dir=${dir}`]);
const kubeconfig = line(up, 'kubeconfig');
const controlUrl = line(up, 'control');
let recorder;
try {
  await fetch(`${controlUrl}/clients`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clients: [] }),
  });
  recorder = await startApiRecorder(kubeconfig, 'bookinfo');
  const recorded = recorder.kubeconfig;
  kubectl(kubeconfig, ['apply', '-f', '-'], JSON.stringify(loadObjects()));

  const rows = [];
  for (const [i, size] of [10, PODS].entries()) {
    // bookinfo's own sidecars, then load pods up to the size (deploy may add the idle slot's).
    const base = (await sidecars(controlUrl)).bookinfo;
    scaleLoad(kubeconfig, base, size);
    const reached = await waitForSidecars(controlUrl, size);
    process.stdout.write(
      `size ${size}: ${reached} sidecars before deploy (load average ${loadavg()[0].toFixed(1)})\n`,
    );
    const result = await measure(recorded, controlUrl, recorder, IMAGES[i % 2]);
    const proxies = (await sidecars(controlUrl)).withRoutes;
    rows.push({ size, proxies, load: loadavg()[0], ...result });
  }

  process.stdout.write(
    `\nreal istiod (2 replicas), canary of ${STEPS} steps, sync scope every proxy, poll 500 ms\n`,
  );
  for (const row of rows) {
    const kib = (n) => (n / 1024).toFixed(0);
    const bytes = row.syncz.map((s) => s.bytes);
    process.stdout.write(
      `${row.proxies} sidecars (load ${row.load.toFixed(1)}): gate lag after last ack median ` +
        `${median(row.gateLag).toFixed(0)} ms, max ${Math.max(...row.gateLag).toFixed(0)} ms ` +
        `(n=${row.gateLag.length}); ` +
        `syncz per replica poll ${median(row.syncz.map((s) => s.ms)).toFixed(0)} ms, ` +
        `${kib(median(bytes))} KiB (${median(row.syncz.map((s) => s.proxies))} proxies); ` +
        `peak RSS ${(row.maxRssKiB / 1024).toFixed(0)} MiB; ` +
        `API requests ${row.requests} = ${(row.requests / STEPS).toFixed(1)} per step ` +
        `(${row.polls} syncz polls: ${row.istiodLists} istiod pod lists, ${row.synczForwards} ` +
        `port-forwards to istiod; ${row.envoyForwards} config_dump port-forwards, ${row.writes} writes ` +
        `of which ${row.leaseRenewals} Lease renewals); besides polling and renewals ` +
        `${(outside(row) / STEPS).toFixed(1)} per step\n`,
    );
  }
  const [small, large] = rows;
  if (outside(small) !== outside(large)) {
    process.stdout.write(
      `API requests besides polling and renewals differ: ${outside(small)} at ${small.proxies} sidecars, ` +
        `${outside(large)} at ${large.proxies}\n`,
    );
    process.exitCode = 1;
  }
} finally {
  await recorder?.close();
  testbed(['down', `--dir=${dir}`]);
}
