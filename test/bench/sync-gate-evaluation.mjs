/**
 * CPU cost of one sync-gate poll at mesh scale: 10,000 proxies spread over 3 istiod
 * replicas (plus proxies listed twice while they reconnect), as the gate handles each poll:
 * JSON-decode every replica's /debug/syncz body, parse the entries, merge replicas by proxy
 * id, evaluate every proxy against the pre-change baseline, and sort the pending ones
 * slowest first. Network time is not included: this is what the gate adds on top of it.
 *
 * Prints CPU time (user + system, `process.cpuUsage()`) per evaluation. Target: under
 * 200 ms. Run after `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/sync-gate-evaluation.mjs
 */
import {
  baselineCriterion,
  evaluateSync,
  mergeReplicas,
  parseSyncz,
  pendingState,
} from '@switchyard/core/internal-testing';

const PROXIES = 10_000;
const REPLICAS = 3;
/** Proxies also listed by a second replica (reconnecting), share of all. */
const DUPLICATES = 0.02;
const RUNS = 20;
const WARMUP = 3;
const ROUTE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const TYPES = [
  ['cluster', 'type.googleapis.com/envoy.config.cluster.v3.Cluster'],
  ['listener', 'type.googleapis.com/envoy.config.listener.v3.Listener'],
  ['route', ROUTE],
  ['endpoint', 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment'],
];

let uuidCounter = 0;
function nonce(version) {
  uuidCounter += 1;
  const hex = uuidCounter.toString(16).padStart(12, '0');
  return `${version}7c0a3f1e-1b2c-4d3e-8f40-${hex}`;
}

/** One syncz entry with every xDS type, as istiod 1.26 writes it. */
function entry(proxy, version, sentTime, acked) {
  const out = {
    cluster_id: 'Kubernetes',
    proxy,
    proxy_type: proxy.startsWith('istio-ingressgateway') ? 'router' : 'sidecar',
    istio_version: '1.26.2',
  };
  const resources = {};
  for (const [prefix, url] of TYPES) {
    const sent = nonce(version);
    out[`${prefix}_sent`] = sent;
    if (acked) out[`${prefix}_acked`] = sent;
    resources[url] = acked ? { sent, acked: sent, sentTime } : { sent, sentTime };
  }
  out.resources = resources;
  return out;
}

function proxyId(i) {
  const namespace = `ns-${i % 200}`;
  return i === 0
    ? `istio-ingressgateway-7d4f9-abcde.istio-system`
    : `app-${i}-5b7d6c9f4-x2k9p.${namespace}`;
}

/** Syncz bodies of every replica; `acked(i)` decides who acked the push. */
function bodies(version, sentTime, acked) {
  const perReplica = Array.from({ length: REPLICAS }, () => []);
  for (let i = 0; i < PROXIES; i++) {
    perReplica[i % REPLICAS].push(entry(proxyId(i), version, sentTime, acked(i)));
    // A reconnecting proxy still listed by its previous replica, with an older push.
    if (i < PROXIES * DUPLICATES)
      perReplica[(i + 1) % REPLICAS].push(
        entry(proxyId(i), '2026-11-02T09:59:00Z/1', '2026-11-02T09:59:00.100Z', true),
      );
  }
  return perReplica.map((entries) => JSON.stringify(entries));
}

const before = bodies('2026-11-02T10:00:00Z/41', '2026-11-02T10:00:00.200Z', () => true);
// After the change: every proxy was pushed, all but 1 in 50 acked.
const after = bodies('2026-11-02T10:00:07Z/42', '2026-11-02T10:00:07.300Z', (i) => i % 50 !== 0);
const megabytes = after.reduce((sum, body) => sum + body.length, 0) / 1e6;

function poll(texts) {
  return mergeReplicas(texts.map((text, r) => parseSyncz(JSON.parse(text), `istiod-${r}`)));
}

const baseline = baselineCriterion(poll(before).values(), Date.parse('2026-11-02T10:00:05Z'), true);
const inScope = (status) => status.namespace !== 'kube-system';

function evaluateOnce() {
  const merged = poll(after);
  const evaluation = evaluateSync(merged.values(), baseline, inScope);
  const now = Date.now();
  const pending = evaluation.pending
    .map((status) => ({
      proxy: status.proxy,
      istiod: status.istiod,
      state: pendingState(status),
      waitingMs: now - (status.sentAt ?? now),
    }))
    .sort((a, b) => b.waitingMs - a.waitingMs || (a.proxy < b.proxy ? -1 : 1));
  return { ...evaluation, pending };
}

function cpuMs(fn) {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, result };
}

for (let i = 0; i < WARMUP; i++) evaluateOnce();
const samples = [];
let last;
for (let i = 0; i < RUNS; i++) {
  const { ms, result } = cpuMs(evaluateOnce);
  samples.push(ms);
  last = result;
}
const parseOnly = [];
for (let i = 0; i < 5; i++) parseOnly.push(cpuMs(() => poll(after)).ms);

samples.sort((a, b) => a - b);
parseOnly.sort((a, b) => a - b);
const median = (xs) => xs[Math.floor(xs.length / 2)];
console.log(
  `sync gate evaluation: ${PROXIES} proxies over ${REPLICAS} istiod replicas ` +
    `(${Math.round(PROXIES * DUPLICATES)} listed twice), ${megabytes.toFixed(1)} MB of syncz JSON`,
);
console.log(
  `  result: ${last.synced}/${last.total} synced, ${last.pending.length} pending (expected ${PROXIES - Math.ceil(PROXIES / 50)}/${PROXIES})`,
);
console.log(
  `  CPU per evaluation over ${RUNS} runs: median ${median(samples).toFixed(1)} ms, ` +
    `min ${samples[0].toFixed(1)} ms, max ${samples.at(-1).toFixed(1)} ms (target < 200 ms)`,
);
console.log(`  of which JSON decode + parse + merge: median ${median(parseOnly).toFixed(1)} ms`);
