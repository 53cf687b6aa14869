/**
 * Releasing in ambient mode through the CLI on the ambient test bed: bookinfo enrolled in
 * ambient, its Services bound to a waypoint of two replicas, the `reviews` HTTPRoute (Service
 * parent) applied by the waypoint. A header rule that sends testers, and only them, to the
 * candidate; a canary gated on both waypoint replicas' listener pushes and checked on what
 * the waypoint reports (`reporter="waypoint"`) in the real Prometheus; a bad image rolled
 * back, the rollback verified on every waypoint replica's `config_dump`; blue/green; a stuck
 * waypoint named and timed out; a NACKing waypoint failing the step at once with Envoy's
 * message; a SIGKILL mid-bake resumed. Then a mixed namespace (a caller with a sidecar, the
 * others ambient) releases with both kinds of proxy in the gate and both reporters counted.
 */
import {
  BAD_IMAGE,
  controlRequest,
  GOOD_IMAGE,
  jsonLines,
  runCli,
  waitFor,
} from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClientCounters } from '../bed-namespace.js';
import {
  ambientNamespace,
  MESH_ROUTE,
  SIDECAR_CALLER,
  WAYPOINT,
  type AmbientNamespace,
} from './ambient-bed.js';

const info = inject('realCluster');

type Slot = 'blue' | 'green';
interface Route {
  metadata: { annotations?: Record<string, string> };
  spec: { rules: { name?: string; backendRefs?: { name: string; weight?: number }[] }[] };
}
type Event = Record<string, unknown>;

const all = (slot: Slot) => (slot === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 });
const other = (slot: Slot): Slot => (slot === 'blue' ? 'green' : 'blue');
const CHECK_FLAGS = [
  '--scrape-interval',
  '1s',
  '--window',
  '6s',
  '--check-interval',
  '2s',
  '--check',
  'success-rate>=99',
];
const MESSAGE =
  'Error adding/updating listener(s) main_internal: Proto constraint validation failed';

/** The CLI and reads of one ambient namespace. */
function releasing(getNs: () => AmbientNamespace) {
  const cli = (args: readonly string[]) => [
    ...args,
    '--http-route',
    MESH_ROUTE,
    '-n',
    getNs().namespace,
    '--kubeconfig',
    info.kubeconfig,
    '--prometheus-url',
    info.prometheusUrl,
  ];
  const route = () =>
    getNs().kubectlJson<Route>(['-n', getNs().namespace, 'get', 'httproute', MESH_ROUTE]);
  async function weights(): Promise<{ blue: number; green: number }> {
    const refs = (await route()).spec.rules[0]?.backendRefs ?? [];
    const of = (name: string) => refs.find((b) => b.name === name)?.weight ?? 0;
    return { blue: of('reviews-blue'), green: of('reviews-green') };
  }
  async function deploy(image: string, header = true): Promise<Slot> {
    const result = await runCli(
      cli([
        'deploy',
        'reviews',
        '--image',
        image,
        ...(header ? ['--header', 'x-release=candidate'] : []),
        '-q',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const record = JSON.parse(
      (await route()).metadata.annotations?.['switchyard.dev/release'] ?? '{}',
    ) as { candidateSlot?: Slot };
    if (!record.candidateSlot) throw new Error('no candidate recorded after deploy');
    return record.candidateSlot;
  }
  /** Where each client's requests completed over `ms`, by slot Service. */
  async function destinationsOver(ms: number): Promise<Record<string, Record<string, number>>> {
    const before = await getNs().traffic();
    await new Promise((r) => setTimeout(r, ms));
    const after = await getNs().traffic();
    const out: Record<string, Record<string, number>> = {};
    for (const client of after) {
      const was: ClientCounters | undefined = before.find((c) => c.name === client.name);
      const delta: Record<string, number> = {};
      for (const [to, n] of Object.entries(client.byDestination)) {
        const d = n - (was?.byDestination[to] ?? 0);
        if (d > 0) delta[to] = d;
      }
      out[client.name] = delta;
    }
    return out;
  }
  return { cli, route, weights, deploy, destinationsOver };
}

/** The waypoint's pods, by name. */
async function waypointPods(ns: AmbientNamespace): Promise<string[]> {
  const list = await ns.kubectlJson<{
    items: { metadata: { name: string; deletionTimestamp?: string }; status: { phase: string } }[];
  }>([
    '-n',
    ns.namespace,
    'get',
    'pods',
    '-l',
    `gateway.networking.k8s.io/gateway-name=${WAYPOINT}`,
  ]);
  return list.items
    .filter((p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
    .sort();
}

/** What a waypoint pod routes reviews:9080 to, from its own main_internal listener. */
async function waypointRouted(ns: AmbientNamespace, pod: string): Promise<Record<string, number>> {
  const fqdn = (service: string) => `${service}.${ns.namespace}.svc.cluster.local`;
  const vip = (service: string) => `inbound-vip|9080|http|${fqdn(service)}`;
  const dump = (await ns.configDump(
    pod,
    'resource=dynamic_listeners&name_regex=main_internal',
  )) as {
    configs: {
      active_state: {
        listener: {
          filter_chains: {
            name: string;
            filters: {
              typed_config: {
                route_config?: {
                  virtual_hosts: {
                    routes: {
                      name?: string;
                      route?: {
                        cluster?: string;
                        weighted_clusters?: { clusters: { name: string; weight: number }[] };
                      };
                    }[];
                  }[];
                };
              };
            }[];
          }[];
        };
      };
    }[];
  };
  const chain = dump.configs[0]?.active_state.listener.filter_chains.find(
    (c) => c.name === vip('reviews'),
  );
  const routes =
    chain?.filters.flatMap((f) => f.typed_config.route_config?.virtual_hosts[0]?.routes ?? []) ??
    [];
  const primary = routes.find((r) => r.name === 'primary')?.route;
  const slot = (name: string) =>
    name === vip('reviews-blue') ? 'blue' : name === vip('reviews-green') ? 'green' : name;
  if (!primary) return {};
  if (primary.cluster) return { [slot(primary.cluster)]: 100 };
  return Object.fromEntries(
    (primary.weighted_clusters?.clusters ?? []).map((c) => [slot(c.name), c.weight]),
  );
}

describe('releasing in ambient mode through a waypoint', () => {
  let ns: AmbientNamespace;
  const r = releasing(() => ns);

  beforeAll(async () => {
    ns = await ambientNamespace(info, 'conformance-ambient-release');
    // Two waypoint replicas: every one must ack each change, and each is verified.
    await ns.kubectl(['-n', ns.namespace, 'scale', 'deployment', WAYPOINT, '--replicas=2']);
    await waitFor(async () => (await waypointPods(ns)).length === 2, {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'two waypoint pods',
    });
    await waitFor(
      async () => {
        const statuses = (await ns.syncz()).filter((s) => s.proxyType === 'waypoint');
        return statuses.length === 2 && statuses.every((s) => s.state === 'SYNCED');
      },
      { timeoutMs: 60_000, intervalMs: 500, description: 'both waypoints SYNCED' },
    );
  });
  afterEach(async () => {
    await ns.setProxyOverrides([]);
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('deploys with a header rule the waypoint applies: testers reach only the candidate', async () => {
    expect(await r.deploy(GOOD_IMAGE)).toBe('green');
    expect((await r.route()).spec.rules.map((rule) => rule.name)).toEqual([
      'primary',
      'switchyard-reviews-prerelease',
    ]);
    expect(await r.weights()).toEqual(all('blue'));
    const only = (seen: Record<string, Record<string, number>>, client: string) =>
      Object.keys(seen[client] ?? {}).join();
    const seen = await waitFor(
      async () => {
        const s = await r.destinationsOver(3000);
        return only(s, 'productpage') === 'reviews-blue' &&
          only(s, 'release-tester') === 'reviews-green'
          ? s
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 0, description: 'users on blue, testers on green' },
    );
    expect(seen.productpage?.['reviews-blue']).toBeGreaterThan(50);
    expect(seen['release-tester']?.['reviews-green']).toBeGreaterThan(10);
    // status and plan say which data-plane path the release goes through.
    const status = await runCli(r.cli(['status', 'reviews']));
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain(
      `data plane   ambient through waypoint ${ns.namespace}/${WAYPOINT} (bound by the Namespace's istio.io/use-waypoint)`,
    );
    const plan = await runCli(r.cli(['plan', 'reviews', 'release']));
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      `  data plane: ambient through waypoint ${ns.namespace}/${WAYPOINT} (bound by the Namespace's istio.io/use-waypoint)`,
    );
    expect(plan.stdout).toContain(
      `  checks count the candidate's requests as istio_requests_total{reporter="waypoint",destination_service_namespace="${ns.namespace}",destination_service_name="reviews-green"}`,
    );
  });

  it('releases a canary gated on both waypoints and checked on what the waypoint reports', async () => {
    const [first, second] = await waypointPods(ns);
    const result = await runCli(
      r.cli([
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--bake',
        '4s',
        ...CHECK_FLAGS,
        '--verify-dataplane',
        '2',
        '-o',
        'json',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = jsonLines(result);
    const evaluated = events.filter((e) => e.type === 'checks-evaluated');
    expect(evaluated.some((e) => e.verdict === 'pass')).toBe(true);
    const queries = evaluated.flatMap((e) =>
      (e.results as { query?: string }[]).map((x) => x.query),
    );
    expect(queries.every((q) => q?.includes('reporter="waypoint"'))).toBe(true);
    const verified = events.filter((e) => e.type === 'dataplane-verified');
    expect(verified.length).toBeGreaterThanOrEqual(2);
    for (const event of verified)
      expect(
        (event.proxies as { proxy: string; proxyType: string }[])
          .map((p) => `${p.proxyType} ${p.proxy}`)
          .sort(),
      ).toEqual([`waypoint ${first}.${ns.namespace}`, `waypoint ${second}.${ns.namespace}`]);
    expect(events.at(-1)).toMatchObject({ outcome: 'released', activeSlot: 'green', exitCode: 0 });
    expect(await r.weights()).toEqual(all('green'));
    for (const pod of [first, second] as string[])
      expect(await waypointRouted(ns, pod)).toEqual({ green: 100 });
  });

  it('rolls a bad image back (exit 3), the rollback verified on every waypoint replica', async () => {
    const candidate = await r.deploy(BAD_IMAGE);
    const result = await runCli(
      r.cli([
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--bake',
        '20s',
        // The namespace's proxies: its two waypoints, no sidecar.
        '--sync-namespace',
        ns.namespace,
        ...CHECK_FLAGS,
        '-o',
        'json',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const events = jsonLines(result);
    const failed = events.filter((e) => e.type === 'checks-evaluated' && e.verdict === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    const types = events.map((e) => String(e.type));
    const rollbackAt = types.indexOf('rollback-started');
    // The rollback's own gate waited for both waypoint replicas' listener pushes...
    const completed = events.slice(rollbackAt).find((e) => e.type === 'sync-completed');
    expect(completed).toMatchObject({ synced: 2, total: 2 });
    const pods = await waypointPods(ns);
    expect(pods).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({
      outcome: 'rolled-back',
      rollback: { reason: 'checks-failed', verified: true },
      exitCode: 3,
    });
    expect(await r.weights()).toEqual(all(other(candidate)));
    // ...and each replica's own config_dump routes everything to the stable slot.
    for (const pod of pods)
      expect(await waypointRouted(ns, pod)).toEqual({ [other(candidate)]: 100 });
  });

  it('resumes a release killed in a bake, re-gating the waypoints first', async () => {
    const candidate = await r.deploy(`${GOOD_IMAGE}-rc2`);
    const flags = [
      '--steps',
      '25,50,pause,100',
      '--bake',
      '5s',
      '--holder',
      'ci:ambient-7',
      ...CHECK_FLAGS,
      '-o',
      'json',
    ];
    let bakes = 0;
    const first = await runCli(r.cli(['release', 'reviews', ...flags]), {
      onLine: (line, child) => {
        if (line.includes('"type":"bake-started"') && ++bakes === 1) child.kill('SIGKILL');
      },
    });
    expect(first.code).toBeNull();
    expect(await r.weights()).toEqual(
      candidate === 'green' ? { blue: 75, green: 25 } : { blue: 25, green: 75 },
    );
    const second = await runCli(r.cli(['release', 'reviews', ...flags]));
    expect(second.code, second.stdout + second.stderr).toBe(4);
    const events = jsonLines(second);
    expect(events.find((e) => e.type === 'operation-started')).toMatchObject({ resumed: true });
    const types = events.map((e) => String(e.type));
    expect(types.indexOf('sync-completed')).toBeLessThan(types.indexOf('bake-started'));
    const promoted = await runCli(r.cli(['promote', 'reviews', ...CHECK_FLAGS]));
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(await r.weights()).toEqual(all(candidate));
  });

  it('switches blue/green to 100% at once through the waypoint', async () => {
    const candidate = await r.deploy(GOOD_IMAGE, false);
    const result = await runCli(
      r.cli(['release', 'reviews', '--strategy', 'bluegreen', '--bake', '3s', ...CHECK_FLAGS]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(await r.weights()).toEqual(all(candidate));
    for (const pod of await waypointPods(ns))
      expect(await waypointRouted(ns, pod)).toEqual({ [candidate]: 100 });
  });

  it('names a stuck waypoint and times the step out (exit 5), then rolls back', async () => {
    const candidate = await r.deploy(`${GOOD_IMAGE}-rc4`, false);
    const [stuck] = await waypointPods(ns);
    await ns.setProxyOverrides([{ match: { pod: stuck }, stuck: true }]);
    let recovered = false;
    const result = await runCli(
      r.cli(['release', 'reviews', '--steps', '50,100', '--sync-timeout', '8s']),
      {
        onLine: (line) => {
          if (!recovered && line.includes('rolling back (sync-timeout)')) {
            recovered = true;
            void ns.setProxyOverrides([]);
          }
        },
      },
    );
    expect(recovered).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    expect(result.stdout, result.stderr).toContain(`waiting for ${stuck}.${ns.namespace}`);
    expect(result.stdout, result.stderr).toMatch(
      new RegExp(`proxy ${stuck}\\.${ns.namespace} \\(istiod istiod-\\S+\\) STALE`),
    );
    expect(result.stdout, result.stderr).toContain('rollback verified');
    expect(await r.weights()).toEqual(all(other(candidate)));
  });

  it('fails the step at once with Envoy’s message when a waypoint rejects it (exit 5)', async () => {
    const candidate = await r.deploy(`${GOOD_IMAGE}-rc5`, false);
    await ns.setProxyOverrides([{ match: { proxyType: 'waypoint' }, reject: MESSAGE }]);
    let lifted = false;
    const result = await runCli(
      r.cli(['release', 'reviews', '--steps', '50,100', '--sync-timeout', '10m', '-o', 'json']),
      {
        onLine: (line) => {
          if (!lifted && line.includes('"type":"rollback-started"')) {
            lifted = true;
            void ns.setProxyOverrides([]);
          }
        },
      },
    );
    expect(lifted).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    const events = jsonLines(result);
    const started = events.find((e) => e.type === 'rollback-started');
    expect(started).toMatchObject({ reason: 'config-rejected' });
    expect(String(started?.message)).toMatch(
      new RegExp(
        `^proxy ${WAYPOINT}-\\S+\\.${ns.namespace} \\(istiod istiod-\\S+\\) rejected the new routes: ${MESSAGE.replace(/[()]/g, '\\$&')}`,
      ),
    );
    expect(events.at(-1)).toMatchObject({
      rollback: { reason: 'config-rejected', verified: true },
      exitCode: 5,
    });
    expect(await r.weights()).toEqual(all(other(candidate)));
  });
});

describe('sequential checks through a waypoint', () => {
  let ns: AmbientNamespace;
  const r = releasing(() => ns);
  const TAG = 'docker.io/istio/examples-bookinfo-reviews-v2';
  /** The stable slot's image here: 2 % of requests fail. */
  const STABLE_IMAGE = `${TAG}:ambient-sequential-stable`;
  /** A canary failing ten times as often. */
  const BAD_CANARY_IMAGE = `${TAG}:ambient-sequential-bad`;
  /** 1 s scrapes, a 6 s window, an evaluation every 2 s. */
  const WINDOW_FLAGS = ['--scrape-interval', '1s', '--window', '6s', '--check-interval', '2s'];
  const SEQUENTIAL = ['--analysis', 'sequential', '--check', 'success-rate-vs-stable'];

  beforeAll(async () => {
    ns = await ambientNamespace(info, 'conformance-ambient-sequential');
    for (const [image, errorRate] of [
      [STABLE_IMAGE, 0.02],
      [BAD_CANARY_IMAGE, 0.2],
    ] as const)
      await controlRequest(info.controlUrl, 'PUT', `/images/${encodeURIComponent(image)}`, {
        errorRate,
      });
    // The stable image released to users first (blue/green, one step).
    await r.deploy(STABLE_IMAGE, false);
    const released = await runCli(
      r.cli([
        'release',
        'reviews',
        '--strategy',
        'bluegreen',
        '--bake',
        '2s',
        ...WINDOW_FLAGS,
        '--check',
        'success-rate>=90',
        '-q',
      ]),
    );
    expect(released.code, released.stdout + released.stderr).toBe(0);
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('rolls back a canary failing 10x the stable rate on the waypoint’s reports (exit 3)', async () => {
    const candidate = await r.deploy(BAD_CANARY_IMAGE);
    // plan says the sequential reads count what the waypoint reports.
    const plan = await runCli(r.cli(['plan', 'reviews', 'release', ...SEQUENTIAL]));
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain(
      `counting requests as waypoint ${WAYPOINT} reports them (reporter="waypoint"), whatever checks.reporter says (the slots have no sidecar)`,
    );
    const result = await runCli(
      r.cli([
        'release',
        'reviews',
        ...SEQUENTIAL,
        ...WINDOW_FLAGS,
        '--steps',
        '50,100',
        '--bake',
        '2m',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(3);
    expect(result.stdout).toMatch(
      /rolling back \(checks-failed\): sequential checks ask for a rollback: success-rate-vs-stable: canary's rate above 1x the stable's: likelihood ratio \S+ >= 100 \(1\/alpha\); canary \d+ of \d+ requests failed/,
    );
    expect(result.stdout).toContain('rollback verified');
    expect(await r.weights()).toEqual(all(other(candidate)));
  });
});

describe('releasing in a mixed namespace (sidecar and ambient callers)', () => {
  let ns: AmbientNamespace;
  const r = releasing(() => ns);

  beforeAll(async () => {
    ns = await ambientNamespace(info, 'conformance-ambient-mixed', { sidecarCaller: true });
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('gates on the sidecar and the waypoint, and counts what both report', async () => {
    const candidate = await r.deploy(GOOD_IMAGE, false);
    const result = await runCli(
      r.cli([
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--bake',
        '4s',
        '--sync-namespace',
        ns.namespace,
        ...CHECK_FLAGS,
        '--verify-dataplane',
        '4',
        '-o',
        'json',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = jsonLines(result);
    // One sidecar (the caller) and one waypoint in every gate of the release.
    const completed = events.filter((e) => e.type === 'sync-completed');
    expect(completed.length).toBeGreaterThanOrEqual(2);
    for (const e of completed) expect(e).toMatchObject({ synced: 2, total: 2 });
    const verified = events.filter((e) => e.type === 'dataplane-verified') as Event[];
    expect(
      new Set(
        verified.flatMap((e) => (e.proxies as { proxyType: string }[]).map((p) => p.proxyType)),
      ),
    ).toEqual(new Set(['sidecar', 'waypoint']));
    const queries = events
      .filter((e) => e.type === 'checks-evaluated')
      .flatMap((e) => (e.results as { query?: string }[]).map((x) => x.query));
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((q) => q?.includes('reporter=~"source|waypoint"'))).toBe(true);
    expect(await r.weights()).toEqual(all(candidate));
    const seen = await r.destinationsOver(3000);
    for (const client of ['productpage', SIDECAR_CALLER])
      expect(Object.keys(seen[client] ?? {})).toEqual([`reviews-${candidate}`]);
  });
});
