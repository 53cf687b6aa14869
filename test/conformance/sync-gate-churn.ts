/**
 * The sync gate on a busy mesh, on the real test bed: weight steps on bookinfo's `reviews`
 * while other objects churn, each step judged by two gates at once, the shipped one (push
 * fence, `push-fence.ts`) and the weaker baseline-only rule (any acked push after the
 * baseline counts). At the instant a gate declares a step synced, every proxy that gate
 * counted is read from the fleet's own Envoy admin (`config_dump`): a proxy without the
 * step's weights is an early verdict.
 *
 * The churn, for the whole run:
 * - VirtualServices and DestinationRules of another namespace rewritten, one write every
 *   50-100 ms (each a full push of every proxy: they are exported everywhere);
 * - that namespace's Deployment scaled between 1 and 3 (endpoints move, EDS pushes), and the
 *   step's own client, productpage, between 1 and 2 (new proxies in scope mid-wait);
 * - one istiod replica deleted once, mid-run (its proxies reconnect to the other, a new
 *   replica comes up);
 * - every `interleaveEvery`-th step, an unrelated push acked by every proxy in scope between
 *   the gates' baseline and the weight write: the case the issue names, made certain instead
 *   of left to timing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  envoyRouteReader,
  inspectRoutes,
  IstiodPortForwardSource,
  IstiodSyncGate,
  KubeClient,
  KubePortForwarder,
  loadKubeconfig,
  mergeReplicas,
  parseRouteConfigDump,
  type DataplaneExpectation,
  type ProxyRouteStatus,
  type ProxyScope,
} from '@switchyard/core/internal-testing';
import {
  controlRequest,
  createRealNamespace,
  type Cluster,
  type RealClusterInfo,
} from '@switchyard/test-utils';

/** Options of {@link runChurnSteps}. */
export interface ChurnOptions {
  /** Weight steps to take. */
  steps: number;
  /** Every n-th step gets an unrelated push between baseline and write (0: never). */
  interleaveEvery: number;
  /** Step at which one istiod replica is deleted. */
  restartIstiodAt: number;
  /** Namespace prefix (bookinfo goes in `<prefix>`, the churn in `<prefix>-churn`). */
  namespace: string;
  /** Called after every step, for progress lines. */
  onStep?: ((line: string) => void) | undefined;
}

/** One route configuration of a fleet proxy's config_dump, as far as read here. */
interface RouteDumpEntry {
  route_config?: { name?: string };
  last_updated?: string;
}

/** What one gate did over the run. */
export interface GateTally {
  /** Steps it declared synced. */
  verdicts: number;
  /** Steps where a proxy it counted lacked the weights at its verdict. */
  earlySteps: number;
  /** Proxies found without the weights at its verdicts, summed over steps. */
  earlyProxies: number;
  /** Proxies read at its verdicts, summed over steps. */
  proxiesRead: number;
  /** Time from the weight write to its verdict, per step (ms). */
  lagMs: number[];
}

/** The outcome of a run. */
export interface ChurnResult {
  steps: number;
  /** Writes made by the churn. */
  churnWrites: number;
  /** Steps that had an interleaved push. */
  interleaved: number;
  fenced: GateTally;
  baseline: GateTally;
  /** Largest number of proxies in scope at a verdict. */
  maxProxies: number;
}

const HOST_PORT = 9080;
/** The fleet's apply delay during the run (Envoy's own speed, not a slow proxy). */
const APPLY_DELAY = { medianMs: 20, p99Ms: 200 };

/** A syncz source that remembers its last answers: the proxies a verdict was made on. */
class RecordingSource extends IstiodPortForwardSource {
  last: (readonly ProxyRouteStatus[])[] = [];
  override async poll(signal?: AbortSignal) {
    const poll = await super.poll(signal);
    this.last = poll.answers.flatMap((a) => (a.statuses ? [a.statuses] : []));
    return poll;
  }
}

function tally(): GateTally {
  return { verdicts: 0, earlySteps: 0, earlyProxies: 0, proxiesRead: 0, lagMs: [] };
}

/** The churn objects: one VirtualService and one DestinationRule per host, a scaled Deployment. */
function churnObjects(namespace: string, count: number): unknown[] {
  const items: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'istio-injection': 'enabled' } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 8080 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo', namespace },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'echo' } },
        template: {
          metadata: { labels: { app: 'echo', version: 'v1' } },
          spec: {
            containers: [
              {
                name: 'echo',
                image: 'docker.io/istio/examples-bookinfo-ratings-v1:1.20.1',
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
  ];
  for (let i = 0; i < count; i++) {
    const host = `churn-${i}.${namespace}.svc.cluster.local`;
    items.push(
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: `churn-${i}`, namespace },
        spec: { hosts: [host], http: [{ route: [{ destination: { host } }], timeout: '1s' }] },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: `churn-${i}`, namespace },
        spec: { host, trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 } } } },
      },
    );
  }
  return items;
}

/** Runs `options.steps` weight steps under churn; see the module comment. */
export async function runChurnSteps(
  info: RealClusterInfo,
  options: ChurnOptions,
): Promise<ChurnResult> {
  // Envoy applies a route push in milliseconds; the bed's default delay (300 ms median)
  // would leave proxies behind a push every few hundred ms for good.
  const ns: Cluster = await createRealNamespace(info, options.namespace, {
    applyDelay: APPLY_DELAY,
  });
  const churnNs = `${options.namespace}-churn`;
  const CHURN_OBJECTS = 8;
  await ns.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: churnObjects(churnNs, CHURN_OBJECTS) }),
  );
  const kube = loadKubeconfig({ path: info.kubeconfig });
  const client = new KubeClient({ kubeConfig: kube.kubeConfig });
  const portForwarder = new KubePortForwarder(kube.kubeConfig);
  const routes = envoyRouteReader(portForwarder, 10_000);
  const gateOf = () => {
    const source = new RecordingSource({
      pods: client.pods,
      portForwarder,
      namespace: 'istio-system',
    });
    const gate = new IstiodSyncGate({
      source,
      pods: client.pods,
      routes,
      sync: { pollIntervalMs: 100, requiredRatio: 1 },
    });
    return { source, gate };
  };
  const fenced = gateOf();
  const baseline = gateOf();
  const scope: ProxyScope = { sets: [{ namespaces: [ns.namespace], selector: undefined }] };
  const result: ChurnResult = {
    steps: 0,
    churnWrites: 0,
    interleaved: 0,
    fenced: tally(),
    baseline: tally(),
    maxProxies: 0,
  };

  let churning = true;
  const churn = (async () => {
    for (let k = 0; churning; k++) {
      const i = k % CHURN_OBJECTS;
      const spec =
        k % 2 === 0
          ? client.virtualServices.mergePatch(churnNs, `churn-${i}`, {
              spec: {
                http: [
                  {
                    route: [{ destination: { host: `churn-${i}.${churnNs}.svc.cluster.local` } }],
                    timeout: `${1 + (k % 50)}s`,
                  },
                ],
              },
            })
          : client.destinationRules.mergePatch(churnNs, `churn-${i}`, {
              spec: {
                trafficPolicy: { connectionPool: { tcp: { maxConnections: 1 + (k % 100) } } },
              },
            });
      await spec.then(
        () => (result.churnWrites += 1),
        () => undefined,
      );
      await sleep(50 + Math.random() * 50);
    }
  })();
  const scale = async (namespace: string, name: string, replicas: number) =>
    client.deployments
      .patch(namespace, name, [{ op: 'replace', path: '/spec/replicas', value: replicas }])
      .catch(() => undefined);
  const scaler = (async () => {
    for (let k = 1; churning; k++) {
      await scale(churnNs, 'echo', 1 + (k % 3));
      await scale(ns.namespace, 'productpage', 1 + (k % 2));
      await sleep(2000 + Math.random() * 2000);
    }
  })();

  /** Reads every proxy the gate counted, from the fleet's Envoy admin: those lacking `weights`. */
  /**
   * Reads every proxy the gate counted from the fleet's Envoy admin: those that lacked the
   * weights at `verdictAt`. Envoy's `last_updated` of a route configuration is when its
   * content last changed (the fleet keeps it, as Envoy does, across equal pushes), so a proxy
   * read with the weights after the verdict still lacked them at the verdict when they
   * arrived after it: the read needs no race with the next push.
   */
  const check = async (
    counted: ProxyRouteStatus[],
    expectation: DataplaneExpectation,
    verdictAt: number,
  ) => {
    const state = (await controlRequest(ns.controlUrl, 'GET', '/state')) as {
      proxies: { items: { id: string; adminPort: number; proxyType: string }[] };
    };
    const byId = new Map(state.proxies.items.map((p) => [p.id, p]));
    const lacking: string[] = [];
    let read = 0;
    await Promise.all(
      counted.map(async (status) => {
        const proxy = byId.get(status.proxy);
        if (!proxy) return; // stopped since syncz listed it
        const body = await fetch(
          `http://127.0.0.1:${proxy.adminPort}/config_dump?resource=dynamic_route_configs`,
        ).then(
          (response) => response.json() as Promise<{ configs?: RouteDumpEntry[] }>,
          () => undefined, // its pod stopped since: it routes nothing any more
        );
        if (!body) return;
        const inspection = inspectRoutes(parseRouteConfigDump(body), expectation, proxy.proxyType);
        const changedAt = Date.parse(
          body.configs?.find((c) => c.route_config?.name === String(HOST_PORT))?.last_updated ?? '',
        );
        read += 1;
        if (!inspection.relevant || inspection.mismatch || !(changedAt <= verdictAt))
          lacking.push(status.proxy);
      }),
    );
    return { lacking, read };
  };

  const judge = async (
    which: 'fenced' | 'baseline',
    source: RecordingSource,
    done: Promise<unknown>,
    writtenAt: number,
    expectation: DataplaneExpectation,
  ) => {
    await done;
    const verdictAt = Date.now();
    const lagMs = verdictAt - writtenAt;
    const counted = [...mergeReplicas(source.last).values()].filter(
      (s) => s.namespace === ns.namespace,
    );
    const { lacking, read } = await check(counted, expectation, verdictAt);
    const t = result[which];
    t.verdicts += 1;
    t.proxiesRead += read;
    t.lagMs.push(lagMs);
    if (lacking.length > 0) {
      t.earlySteps += 1;
      t.earlyProxies += lacking.length;
    }
    result.maxProxies = Math.max(result.maxProxies, counted.length);
    return lacking;
  };

  try {
    for (let step = 0; step < options.steps; step++) {
      const green = (step % 99) + 1;
      const weights = { blue: 100 - green, green };
      const expectation: DataplaneExpectation = {
        host: `reviews.${ns.namespace}.svc.cluster.local`,
        port: HOST_PORT,
        weights,
        routeName: 'primary',
        headerRoute: { name: 'switchyard-prerelease', present: false },
      };
      const [fencedSnapshot, baselineSnapshot] = await Promise.all([
        fenced.gate.snapshot(),
        baseline.gate.snapshot(),
      ]);
      const interleave =
        options.interleaveEvery > 0 &&
        step % options.interleaveEvery === options.interleaveEvery - 1;
      if (interleave && (await unrelatedPushAcked(baseline.gate, scope))) result.interleaved += 1;
      await client.virtualServices.patch(ns.namespace, 'reviews', [
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: weights.blue },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: weights.green },
      ]);
      const writtenAt = Date.now();
      if (step === options.restartIstiodAt) await restartOneIstiod(ns);
      const wait = { scope, timeoutMs: 60_000 };
      const [fencedLacking, baselineLacking] = await Promise.all([
        judge(
          'fenced',
          fenced.source,
          fenced.gate.waitForSync(fencedSnapshot, { ...wait, expectation }),
          writtenAt,
          expectation,
        ),
        judge(
          'baseline',
          baseline.source,
          baseline.gate.waitForSync(baselineSnapshot, wait),
          writtenAt,
          expectation,
        ),
      ]);
      result.steps += 1;
      options.onStep?.(
        `step ${step + 1}/${options.steps} green=${green}${interleave ? ' (interleaved)' : ''}: ` +
          `fenced lacking ${fencedLacking.length} after ${result.fenced.lagMs.at(-1)} ms, ` +
          `baseline lacking ${baselineLacking.length} after ${result.baseline.lagMs.at(-1)} ms`,
      );
    }
  } finally {
    churning = false;
    await Promise.all([churn, scaler]);
    await Promise.all([fenced.gate.close(), baseline.gate.close()]);
    await ns.stop();
    await ns.kubectl(['delete', 'namespace', churnNs, '--wait=false']).catch(() => undefined);
  }
  return result;
}

/**
 * Waits (up to 15 s) until every proxy in scope has acked a route push it did not have now:
 * the churn's next push, made before the weight write, reaching proxies after the baseline.
 */
async function unrelatedPushAcked(gate: IstiodSyncGate, scope: ProxyScope): Promise<boolean> {
  const before = new Map((await gate.proxiesInScope(scope)).map((s) => [s.proxy, s.sent]));
  const acked = new Set<string>();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await sleep(50);
    for (const s of await gate.proxiesInScope(scope))
      if (s.state === 'SYNCED' && before.get(s.proxy) !== s.sent) acked.add(s.proxy);
    if ([...before.keys()].every((proxy) => acked.has(proxy))) return true;
  }
  return false;
}

async function restartOneIstiod(ns: Cluster): Promise<void> {
  const pods = await ns.kubectlJson<{ items: { metadata: { name: string } }[] }>([
    '-n',
    'istio-system',
    'get',
    'pods',
    '-l',
    'app=istiod',
  ]);
  const victim = pods.items[0]?.metadata.name;
  if (victim) await ns.kubectl(['-n', 'istio-system', 'delete', 'pod', victim, '--wait=false']);
}
