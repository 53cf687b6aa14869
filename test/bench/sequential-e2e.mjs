/**
 * Sequential against threshold checks, end to end (issue 22): a canary failing 5 % of its
 * requests against a stable slot failing 0.5 %, 100 requests per second, 10 % canary weight,
 * on the simulator (with a real Prometheus) and on the real control plane test bed (real
 * istiod, the proxy fleet, real Prometheus). Each run deploys the canary, releases it through
 * the library with one check and measures, from the first user request the canary served
 * (the traffic generator's per-destination counters, polled every 100 ms) to:
 *
 *   - the verdict: the rollback decided (the `rollback-started` event);
 *   - the verified rollback: every proxy acked the stable routes (`rollback-completed`).
 *
 * Sequential: `success-rate-vs-stable` at its defaults (alpha 1 %, tolerance 1). Threshold:
 * switchyard's default check (`success-rate` >= 99 % over a 1m window, 2 failures in a row).
 * Both evaluate every interval of `--intervals` (default 10s, the product default, and 2s);
 * the test beds scrape every second. Prints figures, asserts nothing. Run after
 * `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/sequential-e2e.mjs [--tier sim|real|both] [--runs 3] [--intervals 10s,2s]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, release } from '@switchyard/core';
import { startRealCluster, startSimulatedCluster } from '@switchyard/test-utils';
import { build } from '../../scripts/testbed.mjs';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}
const TIERS = arg('tier', 'both') === 'both' ? ['sim', 'real'] : [arg('tier')];
const RUNS = Number(arg('runs', '3'));
const INTERVALS = arg('intervals', '10s,2s').split(',');

const TAG = 'docker.io/istio/examples-bookinfo-reviews-v2';
const STABLE = `${TAG}:bench-stable`;
const CANARY = `${TAG}:bench-canary`;
const LATENCY = { medianMs: 15, p99Ms: 60 };
const NAMESPACE = 'bookinfo';
const RPS = 100;

const CHECKS = {
  sequential: { analysis: 'sequential', items: [{ type: 'success-rate-vs-stable' }] },
  threshold: { analysis: 'threshold', items: [{ type: 'success-rate', min: 99 }] },
};

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

/** Requests productpage's client has had answered by `workload` so far. */
async function servedBy(bed, workload) {
  const traffic = await control(bed.controlUrl, 'GET', '/traffic');
  const client = traffic.clients.find((c) => c.name === 'productpage' && c.namespace === NAMESPACE);
  return client?.byDestination?.[workload] ?? 0;
}

/** Starts a tier and gives what the runs need of it. */
async function startTier(tier) {
  if (tier === 'sim') {
    const cluster = await startSimulatedCluster({ prometheus: true, namespace: NAMESPACE });
    return {
      name: 'simulator + real Prometheus',
      kubeconfig: cluster.kubeconfig,
      controlUrl: cluster.controlUrl,
      prometheusUrl: cluster.prometheusUrl,
      stop: () => cluster.stop(),
    };
  }
  build({ quiet: true });
  const bed = await startRealCluster(mkdtempSync(join(tmpdir(), 'switchyard-bench-seq-')));
  return {
    name: 'real test bed (real istiod, proxy fleet, Prometheus)',
    kubeconfig: bed.kubeconfig,
    controlUrl: bed.controlUrl,
    prometheusUrl: bed.prometheusUrl,
    stop: () => bed.stop(),
  };
}

function base(bed) {
  return {
    kubeconfig: bed.kubeconfig,
    service: 'reviews',
    namespace: NAMESPACE,
    holderIdentity: 'bench-sequential-e2e',
    sync: { timeout: '60s' },
  };
}

/** Users at 100 rps, the images' behaviours, and the stable image released to all of them. */
async function prepare(bed) {
  await control(bed.controlUrl, 'PUT', `/images/${encodeURIComponent(STABLE)}`, {
    errorRate: 0.005,
    latency: LATENCY,
  });
  await control(bed.controlUrl, 'PUT', `/images/${encodeURIComponent(CANARY)}`, {
    errorRate: 0.05,
    latency: LATENCY,
  });
  await control(bed.controlUrl, 'PUT', '/clients', {
    clients: [
      {
        name: 'productpage',
        namespace: NAMESPACE,
        rps: RPS,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
      },
    ],
  });
  await deploy({ ...base(bed), image: STABLE, checks: { items: [] } });
  await release({
    ...base(bed),
    checks: { items: [] },
    strategy: { steps: [{ weight: 100 }] },
  });
}

/** One release of the canary; the times in ms from its first user request, or a reason. */
async function run(bed, mode, interval) {
  let canary;
  await deploy({
    ...base(bed),
    image: CANARY,
    checks: { items: [] },
    onEvent: (event) => {
      if (event.type === 'deployment-changed') canary = event.deployment;
    },
  });
  const before = await servedBy(bed, canary);
  let firstRequestAt;
  let polling = true;
  const poller = (async () => {
    while (polling && firstRequestAt === undefined) {
      if ((await servedBy(bed, canary)) > before) firstRequestAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  let verdictAt;
  let verifiedAt;
  let evaluations = 0;
  let outcome = 'released';
  try {
    await release({
      ...base(bed),
      prometheus: { url: bed.prometheusUrl },
      checks: { ...CHECKS[mode], interval, scrapeInterval: '1s' },
      strategy: { steps: [{ weight: 10 }, { bake: '10m' }, { weight: 100 }] },
      onEvent: (event) => {
        if (event.type === 'checks-evaluated') evaluations++;
        if (event.type === 'rollback-started') verdictAt = event.at;
        if (event.type === 'rollback-completed' && event.verified) verifiedAt = event.at;
      },
    });
  } catch (error) {
    if (error?.code !== 'SWITCHYARD_ROLLED_BACK') throw error;
    outcome = 'rolled back';
  } finally {
    polling = false;
    await poller;
  }
  if (outcome !== 'rolled back' || firstRequestAt === undefined || verifiedAt === undefined)
    return { failed: `${outcome}, first canary request ${firstRequestAt ? 'seen' : 'not seen'}` };
  return {
    verdictMs: verdictAt - firstRequestAt,
    verifiedMs: verifiedAt - firstRequestAt,
    evaluations,
  };
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return '—';
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return `${seconds(median)} (${seconds(sorted[0])} – ${seconds(sorted.at(-1))})`;
}

const rows = [];
for (const tier of TIERS) {
  const bed = await startTier(tier);
  try {
    process.stdout.write(`\n${bed.name}: preparing (stable released at 0.5 % errors)\n`);
    await prepare(bed);
    for (const interval of INTERVALS) {
      const results = { sequential: [], threshold: [] };
      for (let i = 0; i < RUNS; i++) {
        for (const mode of ['sequential', 'threshold']) {
          const result = await run(bed, mode, interval);
          results[mode].push(result);
          process.stdout.write(
            `  checks every ${interval}, run ${i + 1}, ${mode}: ${
              result.failed ??
              `verdict ${seconds(result.verdictMs)}, verified rollback ${seconds(result.verifiedMs)} (${result.evaluations} evaluations)`
            }\n`,
          );
        }
      }
      for (const mode of ['sequential', 'threshold']) {
        const ok = results[mode].filter((r) => r.failed === undefined);
        rows.push([
          tier === 'sim' ? 'simulator' : 'real test bed',
          interval,
          mode,
          summary(ok.map((r) => r.verdictMs)),
          summary(ok.map((r) => r.verifiedMs)),
          `${ok.length} of ${results[mode].length}`,
        ]);
      }
    }
  } finally {
    await bed.stop();
  }
}

process.stdout.write(
  `\n${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.versions.node}; ` +
    `canary 5 % vs stable 0.5 % errors, ${RPS} rps, 10 % weight, 1 s scrapes, ${RUNS} runs per row. ` +
    `Times from the canary's first user request, median (min – max):\n\n`,
);
const header = [
  'tier',
  'checks every',
  'analysis',
  'to the verdict',
  'to the verified rollback',
  'rolled back',
];
const table = [header, ...rows];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`${line(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n`);
for (const row of table.slice(1)) process.stdout.write(`${line(row)}\n`);
