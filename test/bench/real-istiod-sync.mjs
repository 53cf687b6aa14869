/**
 * The sync gate on the real control plane (testbed/: real kube-apiserver and istiod, the
 * proxy fleet on real xDS, real Prometheus). Prints, over a canary of several weight steps:
 *
 *   - patch to all acks: from the VirtualService write being accepted to the last proxy
 *     applying (acking) the new routes, with the fleet's apply delays set to ~0 (this is
 *     istiod's debounce and push plus the API server's watch);
 *   - gate lag after the last ack: from that last ack to the gate reporting every proxy
 *     synced (poll interval plus syncz reads over port-forward);
 *   - restore time after the first failing check: a bad image's release, from the first
 *     failing evaluation to the rollback verified on every proxy.
 *
 * Builds the test bed when needed (npm run testbed -- build). Run after
 * `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/real-istiod-sync.mjs [--steps 8]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploy, release } from '@switchyard/core';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stepsArg = process.argv.indexOf('--steps');
const STEPS = stepsArg > 0 ? Number(process.argv[stepsArg + 1]) : 8;
const GOOD = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1';
const BAD = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';

function testbed(args) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'testbed.mjs'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`testbed ${args[0]} failed`);
  return result.stdout;
}

function line(stdout, key) {
  return stdout
    .split('\n')
    .find((l) => l.startsWith(`${key}: `))
    ?.slice(key.length + 2)
    .trim();
}

async function control(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The latest time any proxy applied routes (RDS), from the fleet's state. */
async function lastRouteApply(base) {
  const state = await control(base, 'GET', '/state');
  let last = 0;
  for (const proxy of state.proxies.items) {
    const at = Date.parse(proxy.applied?.rds?.appliedAt ?? '');
    if (Number.isFinite(at) && at > last) last = at;
  }
  return last;
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `median ${pick(0.5).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms (n=${sorted.length})`;
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-testbed-'));
process.stdout.write('starting the real control plane test bed...\n');
const up = testbed(['up', `--dir=${dir}`]);
const kubeconfig = line(up, 'kubeconfig');
const controlUrl = line(up, 'control');
const prometheusUrl = line(up, 'prometheus');
try {
  // Proxies apply a push as soon as it arrives: what remains is istiod's own work.
  await control(controlUrl, 'PUT', '/istio/apply-delay', { medianMs: 1, p99Ms: 2 });
  const base = {
    kubeconfig,
    service: 'reviews',
    namespace: 'bookinfo',
    holderIdentity: 'bench',
    sync: { timeout: '60s', pollInterval: '100ms' },
  };
  await deploy({ ...base, image: GOOD, checks: { items: [] } });

  const toAcks = [];
  const gateLag = [];
  let acceptedAt = 0;
  const pending = [];
  const weights = Array.from({ length: STEPS }, (_, i) => Math.round(((i + 1) * 100) / STEPS));
  await release({
    ...base,
    checks: { items: [] },
    strategy: { steps: weights.map((weight) => ({ weight })) },
    onEvent: (event) => {
      if (event.type === 'routes-applied') acceptedAt = event.at;
      if (event.type === 'sync-completed') {
        const completedAt = event.at;
        const accepted = acceptedAt;
        pending.push(
          lastRouteApply(controlUrl).then((lastAck) => {
            toAcks.push(lastAck - accepted);
            gateLag.push(completedAt - lastAck);
          }),
        );
      }
    },
  });
  await Promise.all(pending);

  // A bad image: time from the first failing evaluation to the rollback verified.
  await deploy({ ...base, image: BAD, checks: { items: [] } });
  let firstFailure;
  let restored;
  await release({
    ...base,
    prometheus: { url: prometheusUrl },
    strategy: { steps: [{ weight: 50 }, { bake: '60s' }, { weight: 100 }] },
    checks: {
      interval: '1s',
      window: '5s',
      scrapeInterval: '1s',
      minRequests: 5,
      failureLimit: 1,
      items: [{ type: 'success-rate', min: 99 }],
    },
    onEvent: (event) => {
      if (
        event.type === 'checks-evaluated' &&
        event.verdict === 'fail' &&
        firstFailure === undefined
      )
        firstFailure = event.at;
      if (event.type === 'rollback-completed') restored = event.at;
    },
  }).catch((error) => {
    if (error?.code !== 'SWITCHYARD_ROLLED_BACK') throw error;
  });

  process.stdout.write(`\nreal istiod (2 replicas), ${STEPS} weight steps, fleet apply delay ~0\n`);
  process.stdout.write(`patch accepted -> last proxy ack: ${stats(toAcks)}\n`);
  process.stdout.write(`last proxy ack -> gate reports synced: ${stats(gateLag)}\n`);
  if (firstFailure !== undefined && restored !== undefined) {
    process.stdout.write(
      `first failing check -> rollback verified on every proxy: ${(restored - firstFailure).toFixed(0)} ms\n`,
    );
  } else {
    process.stdout.write('restore time: the bad release did not fail its checks (no figure)\n');
  }
} finally {
  testbed(['down', `--dir=${dir}`]);
}
