/**
 * How istiod resolves a VirtualService's `hosts`, against what `switchyard doctor` says
 * about them. Cluster DNS answers `reviews.<ns>` and `reviews.<ns>.svc` for the Service,
 * but istiod takes any host with a dot as fully qualified (`ResolveShortnameToFQDN`), so a
 * VirtualService with only such a host gives the Service no routes: its weights move
 * nothing. For each spelling, the VirtualService is written with that host and a route of
 * a fresh name, and istiod's verdict is read from what the client proxies applied (Envoy's
 * `config_dump`): that route (the VirtualService applies) or the default route (it does
 * not). The `vs-hosts` check must report an error exactly when it does not apply. On the
 * simulator the same holds of its istiod (`packages/sim/src/mesh/istio-host.ts`).
 */
import { doctor, type OperationInput, type PreflightReport } from '@switchyard/core';
import {
  configDump,
  kubeReads,
  waitFor,
  workloadPods,
  type Cluster,
  type KubeReads,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenarioCluster } from './scenario-cluster.js';

/** The workloads whose sidecars call reviews (bookinfo's traffic clients). */
const CLIENTS = ['productpage', 'release-tester'];

let cluster: Cluster;
let reads: KubeReads;
let ns: string;
let fqdn: string;
let base: OperationInput;
let step = 0;

/** What a client proxy routes for reviews on port 9080. */
type Applied =
  { kind: 'route'; name: string } | { kind: 'default' } | { kind: 'other'; text: string };

interface EnvoyRoute {
  name?: string;
  route?: { cluster?: string };
}

/** The routes of reviews' virtual host in the proxy's `9080` route configuration. */
async function reviewsRoutes(pod: string): Promise<EnvoyRoute[] | undefined> {
  const dump = await configDump(reads, ns, pod, 'resource=dynamic_route_configs');
  const configs = (dump.configs ?? []) as {
    route_config: { name: string; virtual_hosts?: { domains: string[]; routes: EnvoyRoute[] }[] };
  }[];
  const config = configs.find((c) => c.route_config.name === '9080')?.route_config;
  return config?.virtual_hosts?.find((vh) => vh.domains.includes(fqdn))?.routes;
}

function appliedOf(routes: EnvoyRoute[] | undefined): Applied {
  if (routes?.length === 1 && routes[0]?.name === 'default') {
    // istiod's route for a Service no VirtualService routes: every endpoint, no subset.
    expect(routes[0].route?.cluster).toBe(`outbound|9080||${fqdn}`);
    return { kind: 'default' };
  }
  const named = routes?.find((route) => route.name?.startsWith('step-'));
  return named?.name
    ? { kind: 'route', name: named.name }
    : { kind: 'other', text: JSON.stringify(routes) };
}

/** What every client proxy applied, once each shows `done` (the same for all, or thrown). */
async function clientsApplied(done: (applied: Applied) => boolean, what: string): Promise<Applied> {
  const pods = [...(await workloadPods(reads, ns))]
    .filter(([, workload]) => CLIENTS.includes(workload))
    .map(([pod]) => pod);
  expect(pods.length).toBeGreaterThanOrEqual(CLIENTS.length);
  const seen = await waitFor(
    async () => {
      const all = await Promise.all(pods.map(async (pod) => appliedOf(await reviewsRoutes(pod))));
      return all.every(done) ? all : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, description: what },
  );
  for (const applied of seen) expect(applied).toEqual(seen[0]);
  return seen[0] as Applied;
}

/** Writes the VirtualService with `hosts` and its one route named `routeName`. */
async function writeVirtualService(hosts: string[], routeName: string): Promise<void> {
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: ns },
      spec: {
        hosts,
        gateways: ['mesh'],
        http: [
          {
            name: routeName,
            route: [
              { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
              { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
            ],
          },
        ],
      },
    }),
  );
}

/**
 * The VirtualService with `hosts`, written after a baseline istiod certainly applies (the
 * fully qualified host), so the proxies show one of two new states: the route named for
 * this step, or the default route.
 */
async function istiodVerdict(hosts: string[]): Promise<'applies' | 'ignored'> {
  step++;
  const baseline = `step-${step}-baseline`;
  await writeVirtualService([fqdn], baseline);
  await clientsApplied(
    (a) => a.kind === 'route' && a.name === baseline,
    `the clients to apply the baseline route ${baseline}`,
  );
  const probe = `step-${step}-probe`;
  await writeVirtualService(hosts, probe);
  const applied = await clientsApplied(
    (a) => a.kind === 'default' || (a.kind === 'route' && a.name === probe),
    `the clients to apply hosts ${hosts.join(', ')}: route ${probe} or the default route`,
  );
  return applied.kind === 'default' ? 'ignored' : 'applies';
}

function vsHostsErrors(report: PreflightReport): string[] {
  return report.findings
    .filter((f) => f.id === 'vs-hosts' && f.severity === 'error')
    .map((f) => `${f.field}: ${f.message}`);
}

beforeAll(async () => {
  cluster = await startScenarioCluster('host-resolution');
  reads = kubeReads(cluster.kubeconfig);
  ns = cluster.namespace;
  fqdn = `reviews.${ns}.svc.cluster.local`;
  base = cluster.operationOptions('scenario-hosts');
});

afterAll(async () => {
  await cluster?.stop();
});

/** A host as the table writes it: `<fqdn>` and `<ns>` stand for this cluster's names. */
const spelled = (host: string): string => host.replace('<fqdn>', fqdn).replaceAll('<ns>', ns);

describe('VirtualService hosts: istiod and doctor agree', () => {
  it.each([
    ['reviews', 'applies'],
    ['<fqdn>', 'applies'],
    ['Reviews', 'applies'],
    ['reviews.<ns>', 'ignored'],
    ['reviews.<ns>.svc', 'ignored'],
  ] as const)('hosts: [%s]: istiod %s the VirtualService', async (written, expected) => {
    const host = spelled(written);
    const verdict = await istiodVerdict([host]);
    const errors = vsHostsErrors(await doctor(base));
    // The two must agree, whatever istiod does; `expected` records what it does today.
    expect({ verdict, doctorErrors: errors.length > 0 }).toEqual({
      verdict,
      doctorErrors: verdict === 'ignored',
    });
    expect(verdict).toBe(expected);
    if (verdict === 'ignored') {
      expect(errors).toEqual([
        expect.stringContaining(
          `spec.hosts: hosts ${host} do not include ${fqdn}: sidecars route requests for the Service without this VirtualService`,
        ),
      ]);
      expect(errors[0]).toContain(
        `${host} resolves in cluster DNS, but istiod reads a host with a dot as fully qualified`,
      );
    }
  });
});
