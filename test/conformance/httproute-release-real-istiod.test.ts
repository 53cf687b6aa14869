/**
 * Releasing through a Gateway API HTTPRoute on the real test bed, through the CLI, for a route
 * with the Service as parent (mesh traffic, the callers' sidecars) and for one with a Gateway
 * as parent (ingress traffic, the Gateway's router): a header rule that sends testers, and
 * only them, to the candidate; a canary and a blue/green to 100% proven from config_dump; a
 * bad image rolled back on every proxy that routes the service; a SIGKILL mid-bake resumed
 * to a pause and promoted; a route istiod refuses failing at once with its message; and (the
 * Gateway) a stuck router named and timed out. The user's rules are compared byte for byte.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BAD_IMAGE, GOOD_IMAGE, jsonLines, runCli, waitFor } from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  GATEWAY,
  GATEWAY_WORKLOAD,
  gatewayApiNamespace,
  INGRESS_HOST,
  INGRESS_ROUTE,
  MESH_ROUTE,
  type ClientCounters,
  type GatewayApiNamespace,
} from './gateway-api-bed.js';

const info = inject('realCluster');

interface Rule {
  name?: string;
  backendRefs?: { name: string; weight?: number }[];
  [field: string]: unknown;
}
type Slot = 'blue' | 'green';
interface Route {
  metadata: { annotations?: Record<string, string>; generation: number };
  spec: { rules: Rule[]; [field: string]: unknown };
}

/** The parents the release is judged through. */
const PARENTS = [
  {
    parent: 'Service',
    route: MESH_ROUTE,
    other: INGRESS_ROUTE,
    namespace: 'conformance-httproute-mesh',
    // Users call reviews from productpage's sidecar; testers send the header from theirs.
    users: 'productpage',
    testers: 'release-tester',
  },
  {
    parent: 'Gateway',
    route: INGRESS_ROUTE,
    other: MESH_ROUTE,
    namespace: 'conformance-httproute-ingress',
    // Everyone enters through the Gateway's router; testers are its client with the header.
    users: GATEWAY_WORKLOAD,
    testers: GATEWAY_WORKLOAD,
  },
] as const;

describe.each(PARENTS)('releasing through an HTTPRoute with a $parent parent', (p) => {
  let ns: GatewayApiNamespace;
  let original: Route;

  /** The fleet's clients for this namespace: mesh callers, or the Gateway's client. */
  async function setClients(options: { ingressHeader?: boolean } = {}): Promise<void> {
    const mesh = [
      {
        name: 'productpage',
        namespace: p.namespace,
        rps: 40,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
      },
      {
        name: 'release-tester',
        namespace: p.namespace,
        rps: 10,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
        headers: { 'x-release': 'candidate' },
      },
    ];
    const ingress = [
      {
        name: GATEWAY_WORKLOAD,
        namespace: p.namespace,
        rps: 40,
        target: { host: INGRESS_HOST, port: 80, path: '/reviews/0' },
        ...(options.ingressHeader ? { headers: { 'x-release': 'candidate' } } : {}),
      },
    ];
    const response = await fetch(`${info.controlUrl}/clients`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clients: p.parent === 'Service' ? mesh : ingress }),
    });
    expect(response.status, await response.text()).toBe(200);
  }

  const cli = (args: readonly string[]) => [
    ...args,
    '--http-route',
    p.route,
    '-n',
    p.namespace,
    '--kubeconfig',
    info.kubeconfig,
  ];
  const checkFlags = [
    '--prometheus-url',
    info.prometheusUrl,
    '--scrape-interval',
    '1s',
    '--window',
    '6s',
    '--check-interval',
    '2s',
  ];

  const route = () => ns.kubectlJson<Route>(['-n', p.namespace, 'get', 'httproute', p.route]);

  /** Each slot's weight on the managed rule. */
  async function weights(): Promise<{ blue: number; green: number }> {
    const refs = (await route()).spec.rules[0]?.backendRefs ?? [];
    const of = (name: string) => refs.find((b) => b.name === name)?.weight ?? 0;
    return { blue: of('reviews-blue'), green: of('reviews-green') };
  }

  /**
   * The route's spec without what switchyard manages (the slot Services' weights and its
   * header rule): the user's rules, filters, timeouts and parents, as serialised.
   */
  function usersPart(r: Route): string {
    return JSON.stringify({
      ...r.spec,
      rules: r.spec.rules
        .filter((rule) => rule.name !== 'switchyard-reviews-prerelease')
        .map((rule) => ({
          ...rule,
          backendRefs: rule.backendRefs?.map((b) =>
            b.name === 'reviews-blue' || b.name === 'reviews-green' ? { ...b, weight: 'w' } : b,
          ),
        })),
    });
  }

  /** `100` on `slot`, 0 on the other. */
  const all = (slot: Slot) => (slot === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 });
  const other = (slot: Slot): Slot => (slot === 'blue' ? 'green' : 'blue');

  /** Deploys `image` to the idle slot; resolves that slot (the candidate). */
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
    const before = await ns.traffic();
    await new Promise((r) => setTimeout(r, ms));
    const after = await ns.traffic();
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

  /** The weights of `slot` switchyard wrote to the route, in order, from the audit log. */
  function weightsWritten(slot: Slot): number[] {
    const out: number[] = [];
    for (const line of readFileSync(join(info.dir, 'logs', 'audit.log'), 'utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as {
        stage: string;
        verb: string;
        objectRef?: { resource?: string; namespace?: string; name?: string };
        responseStatus?: { code?: number };
        requestObject?: unknown;
        responseObject?: Route;
      };
      const ref = entry.objectRef;
      if (
        entry.stage !== 'ResponseComplete' ||
        entry.verb !== 'patch' ||
        ref?.resource !== 'httproutes' ||
        ref.namespace !== p.namespace ||
        ref.name !== p.route ||
        entry.responseStatus?.code !== 200 ||
        !Array.isArray(entry.requestObject) ||
        !(entry.requestObject as { op: string; path: string }[]).some(
          (op) => op.op === 'replace' && op.path.endsWith('/weight'),
        )
      )
        continue;
      const refs = entry.responseObject?.spec.rules[0]?.backendRefs ?? [];
      out.push(refs.find((b) => b.name === `reviews-${slot}`)?.weight ?? 0);
    }
    return out;
  }

  beforeAll(async () => {
    ns = await gatewayApiNamespace(info, p.namespace);
    // One route per namespace releases the service: the other one goes, with its clients.
    await ns.kubectl(['-n', p.namespace, 'delete', 'httproute', p.other]);
    // A rule of the user's own beside the managed one, which switchyard must leave as it is
    // (it outranks the managed match for its path; no client calls that path).
    const userRule = {
      name: 'debug',
      matches: [{ path: { type: 'PathPrefix', value: '/reviews/debug' } }],
      filters: [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: { set: [{ name: 'x-debug', value: 'on' }] },
        },
      ],
      backendRefs: [{ name: 'productpage', port: 9080, weight: 1 }],
      timeouts: { request: '5s' },
    };
    await ns.kubectl([
      '-n',
      p.namespace,
      'patch',
      'httproute',
      p.route,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/spec/rules/-', value: userRule }]),
    ]);
    await setClients();
    original = await route();
    expect(original.spec.rules.map((r) => r.name)).toEqual(['primary', 'debug']);
  });
  afterEach(async () => {
    await ns.setProxyOverrides([]);
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('deploys with a header rule: testers reach only the candidate, users none', async () => {
    // Detection: the spec names no kind; only an HTTPRoute routes reviews here.
    expect(await deploy(GOOD_IMAGE)).toBe('green');
    const deployed = await route();
    expect(deployed.spec.rules.map((r) => r.name)).toEqual([
      'primary',
      'debug',
      'switchyard-reviews-prerelease',
    ]);
    expect(usersPart(deployed)).toBe(usersPart(original));
    expect(await weights()).toEqual(all('blue'));
    // Users first, then (through a Gateway: the same client sending the header) testers.
    const only = (seen: Record<string, Record<string, number>>, client: string) =>
      Object.keys(seen[client] ?? {}).join();
    const users = await waitFor(
      async () => {
        const seen = await destinationsOver(3000);
        return only(seen, p.users) === 'reviews-blue' &&
          (p.parent === 'Gateway' || only(seen, p.testers) === 'reviews-green')
          ? seen
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 0, description: 'users on blue, testers on green' },
    );
    expect(users[p.users]?.['reviews-blue']).toBeGreaterThan(50);
    if (p.parent === 'Gateway') {
      await setClients({ ingressHeader: true });
      const testers = await waitFor(
        async () => {
          const seen = await destinationsOver(3000);
          return only(seen, p.testers) === 'reviews-green' ? seen : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 0, description: 'ingress testers on green' },
      );
      expect(testers[p.testers]?.['reviews-green']).toBeGreaterThan(50);
      await setClients();
    }
  });

  it("releases a canary to 100%, proven from config_dump, and leaves the user's rules as they were", async () => {
    const result = await runCli(
      cli([
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--bake',
        '4s',
        ...checkFlags,
        '--check',
        'success-rate>=99',
        '--verify-dataplane',
        '2',
        '-o',
        'json',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const events = jsonLines(result);
    expect(events.some((e) => e.type === 'checks-evaluated' && e.verdict === 'pass')).toBe(true);
    const verified = events.filter((e) => e.type === 'dataplane-verified');
    expect(verified.length).toBeGreaterThanOrEqual(2);
    const proxies = verified.flatMap((e) => e.proxies as { proxyType: string }[]);
    expect(new Set(proxies.map((x) => x.proxyType))).toEqual(
      new Set([p.parent === 'Gateway' ? 'router' : 'sidecar']),
    );
    expect(events.at(-1)).toMatchObject({ outcome: 'released', activeSlot: 'green', exitCode: 0 });
    expect(await weights()).toEqual(all('green'));
    const released = await route();
    expect(released.spec.rules.map((r) => r.name)).toEqual(['primary', 'debug']);
    expect(usersPart(released)).toBe(usersPart(original));
  });

  it('rolls a bad image back when its checks fail (exit 3), verified on every proxy that routes it', async () => {
    const candidate = await deploy(BAD_IMAGE);
    const result = await runCli(
      cli([
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--bake',
        '20s',
        ...checkFlags,
        '--check',
        'success-rate>=99',
        '-o',
        'json',
      ]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const events = jsonLines(result);
    const completed = events.filter((e) => e.type === 'sync-completed').at(-1);
    expect(completed?.synced).toBe(completed?.total);
    expect(events.at(-1)).toMatchObject({
      outcome: 'rolled-back',
      rollback: { reason: 'checks-failed', verified: true },
      exitCode: 3,
    });
    expect(await weights()).toEqual(all(other(candidate)));
    expect(usersPart(await route())).toBe(usersPart(original));
  });

  it('resumes a release killed in a bake, up to its pause, and promotes it', async () => {
    const candidate = await deploy(`${GOOD_IMAGE}-rc2`);
    const before = weightsWritten(candidate).length;
    const checks = [...checkFlags, '--check', 'success-rate>=99', '-o', 'json'];
    const flags = ['--steps', '25,50,pause,100', '--bake', '5s', '--holder', 'ci:run-7', ...checks];
    let bakes = 0;
    const first = await runCli(cli(['release', 'reviews', ...flags]), {
      onLine: (line, child) => {
        if (line.includes('"type":"bake-started"') && ++bakes === 1) child.kill('SIGKILL');
      },
    });
    expect(first.code).toBeNull();
    const record = JSON.parse(
      (await route()).metadata.annotations?.['switchyard.dev/release'] ?? '{}',
    ) as { phase: string; operation: { stage: string } };
    expect(record).toMatchObject({ phase: 'releasing', operation: { stage: 'baking' } });
    expect(weightsWritten(candidate).slice(before)).toEqual([25]);

    const second = await runCli(cli(['release', 'reviews', ...flags]));
    expect(second.code, second.stdout + second.stderr).toBe(4);
    const events = jsonLines(second);
    expect(events.find((e) => e.type === 'operation-started')).toMatchObject({ resumed: true });
    const types = events.map((e) => String(e.type));
    // The resumed run re-gated the interrupted step on real istiod before baking on.
    expect(types.indexOf('sync-completed')).toBeLessThan(types.indexOf('bake-started'));
    expect(weightsWritten(candidate).slice(before)).toEqual([25, 50]);

    const promoted = await runCli(cli(['promote', 'reviews', ...checks]));
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
    expect(weightsWritten(candidate).slice(before)).toEqual([25, 50, 100]);
    expect(await weights()).toEqual(all(candidate));
  });

  it('switches blue/green to 100% at once', async () => {
    const candidate = await deploy(GOOD_IMAGE, false);
    const before = weightsWritten(candidate).length;
    const result = await runCli(
      cli(['release', 'reviews', '--strategy', 'bluegreen', '--bake', '3s', ...checkFlags]),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(weightsWritten(candidate).slice(before)).toEqual([100]);
    expect(await weights()).toEqual(all(candidate));
  });

  it('fails at once with istiod’s message when it refuses the route (exit 5), and rolls back', async () => {
    const candidate = await deploy(`${GOOD_IMAGE}-rc3`);
    const slotService = `reviews-${candidate}`;
    const { metadata, spec } = await ns.kubectlJson<{
      metadata: { name: string; namespace: string; labels?: Record<string, string> };
      spec: { selector: Record<string, string>; ports: unknown[] };
    }>(['-n', p.namespace, 'get', 'service', slotService]);
    // No checks (a spec file with none): the bake only waits, so the refusal is what stops it.
    const specFile = join(mkdtempSync(join(tmpdir(), 'switchyard-refusal-')), 'release.yaml');
    writeFileSync(
      specFile,
      'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\nchecks:\n  items: []\n',
    );
    let deleted = false;
    const result = await runCli(
      cli(['release', '-f', specFile, '--steps', '50,100', '--bake', '6s', '-o', 'json']),
      {
        onLine: (line) => {
          // The candidate's Service goes away mid-bake: istiod refuses the next write.
          if (!deleted && line.includes('"type":"bake-started"')) {
            deleted = true;
            void ns.kubectl(['-n', p.namespace, 'delete', 'service', slotService]);
          }
        },
      },
    );
    try {
      expect(deleted).toBe(true);
      expect(result.code, result.stdout + result.stderr).toBe(5);
      const events = jsonLines(result);
      const started = events.find((e) => e.type === 'rollback-started');
      expect(started).toMatchObject({ reason: 'route-not-accepted' });
      expect(String(started?.message)).toContain(
        `ResolvedRefs BackendNotFound: backend(${slotService}.${p.namespace}.svc.cluster.local) not found`,
      );
      // It did not wait for proxies that would never get the route: no sync after the write.
      const types = events.map((e) => String(e.type));
      const rollbackAt = types.indexOf('rollback-started');
      const refusedAt = types.lastIndexOf('routes-applied', rollbackAt);
      expect(types.slice(refusedAt, rollbackAt)).not.toContain('sync-started');
      expect(events.at(-1)).toMatchObject({
        rollback: { reason: 'route-not-accepted', verified: true },
        exitCode: 5,
      });
      expect(await weights()).toEqual(all(other(candidate)));
    } finally {
      const service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels },
        spec: { selector: spec.selector, ports: spec.ports },
      };
      await ns.kubectl(['apply', '-f', '-'], JSON.stringify(service));
    }
  });

  // A stuck sidecar is the VirtualService suites' case; here, the Gateway's router. Registered
  // for that parent only (a skipped test for the other would count as one).
  if (p.parent === 'Gateway')
    it('names a stuck gateway router and times the step out (exit 5), then rolls back', async () => {
      const candidate = await deploy(`${GOOD_IMAGE}-rc4`, false);
      await ns.setProxyOverrides([{ match: { proxyType: 'router' }, stuck: true }]);
      let recovered = false;
      const result = await runCli(
        cli(['release', 'reviews', '--steps', '50,100', '--sync-timeout', '8s']),
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
      expect(result.stdout, result.stderr).toMatch(new RegExp(`waiting for ${GATEWAY}-istio-\\S+`));
      expect(result.stdout, result.stderr).toMatch(
        new RegExp(`proxy ${GATEWAY}-istio-\\S+ \\(istiod istiod-\\S+\\) STALE`),
      );
      expect(result.stdout, result.stderr).toContain('rollback verified');
      expect(await weights()).toEqual(all(other(candidate)));
    });
});
