/**
 * The idle slot must really be idle through HTTPRoutes too (preflight `idle-slot-traffic`):
 * a VirtualService release lists HTTPRoutes beside its VirtualServices (no `not checked`
 * where Gateway API is not installed) and refuses a deploy while one sends to the service;
 * an HTTPRoute release (bookinfo's reviews
 * moved to examples/bookinfo-gateway-api's mesh route and slot Services) refuses a deploy
 * onto the idle slot while a rule of the user's, or another HTTPRoute, still sends requests
 * to its pods: exit 2 naming the route, rule and field, nothing changed, no lock; doctor
 * lists it under ERRORS; once the rule points at the active slot the deploy goes on, and
 * `--allow-idle-slot-traffic` deploys anyway with a warning. HTTPRoutes need Gateway API
 * and istiod's gateway controller (the real test bed's; the simulator has neither).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doctor, rollback, type OperationInput } from '@switchyard/core';
import { GOOD_IMAGE, runCli, waitFor, type Cluster } from '@switchyard/test-utils';
import { load, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';

const GATEWAY_API_MANIFESTS = fileURLToPath(
  new URL('../../examples/bookinfo-gateway-api/', import.meta.url),
);

interface Route {
  metadata: { name: string; generation: number; resourceVersion: string };
  spec: { rules: Record<string, unknown>[] };
  status?: {
    parents?: { conditions: { type: string; status: string; observedGeneration?: number }[] }[];
  };
}

let cluster: Cluster;
let ns: string;
let base: OperationInput;

beforeAll(async () => {
  cluster = await startScenarioCluster('idle-slot-http-route');
  ns = cluster.namespace;
  base = cluster.operationOptions('idle-slot-http-route', { checks: { items: [] } });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

const kubectl = (...args: string[]) => cluster.kubectl(['-n', ns, ...args]);
const httpRoute = (name = 'reviews') =>
  cluster.kubectlJson<Route>(['-n', ns, 'get', 'httproute', name]);

/** Applies `objects` (namespaced to the scenario's). */
async function apply(objects: Record<string, unknown>[]): Promise<void> {
  for (const object of objects) (object.metadata as { namespace?: string }).namespace = ns;
  await cluster.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}

/** Waits until istiod accepts every parent of the route at its current generation. */
async function accepted(name: string): Promise<void> {
  await waitFor(
    async () => {
      const route = await httpRoute(name);
      const parents = route.status?.parents ?? [];
      return (
        parents.length > 0 &&
        parents.every((parent) =>
          parent.conditions.some(
            (c) =>
              c.type === 'Accepted' &&
              c.status === 'True' &&
              c.observedGeneration === route.metadata.generation,
          ),
        )
      );
    },
    { timeoutMs: 60_000, intervalMs: 300, description: `HTTPRoute ${ns}/${name} accepted` },
  );
}

/** Replaces the managed route's rules after `primary` (switchyard's header rule aside). */
async function setUserRules(rules: Record<string, unknown>[]): Promise<void> {
  const route = await httpRoute();
  const kept = route.spec.rules.filter(
    (rule) => rule.name === 'primary' || rule.name === 'switchyard-reviews-prerelease',
  );
  await kubectl(
    'patch',
    'httproute',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([
      { op: 'test', path: '/metadata/resourceVersion', value: route.metadata.resourceVersion },
      { op: 'replace', path: '/spec/rules', value: [...kept, ...rules] },
    ]),
  );
  await accepted('reviews');
}

/** A rule of the user's: requests of jason go to `service`. */
const jason = (service: string) => ({
  name: 'jason',
  matches: [
    {
      path: { type: 'PathPrefix', value: '/' },
      headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }],
    },
  ],
  backendRefs: [{ name: service, port: 9080 }],
});

/**
 * What a refused deploy must leave as it was: the routing objects, slot Deployments and
 * Services, and the Lease (not taken: its resourceVersion, or its absence).
 */
async function state(): Promise<string> {
  const snapshot = await cluster.snapshot();
  const routes = await kubectl(
    'get',
    'httproute,service,lease',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}',
  );
  return JSON.stringify({ snapshot, routes });
}

const deployArgs = (...extra: string[]) => [
  'deploy',
  'reviews',
  '--image',
  GOOD_IMAGE,
  '--target-kind',
  'HTTPRoute',
  '--header',
  'x-release=candidate',
  ...extra,
  ...cluster.cliTarget(),
];

describe('idle-slot-traffic through HTTPRoutes', () => {
  it('a VirtualService release looks at HTTPRoutes too: none reaches the idle slot, nothing unread', async () => {
    const report = await doctor(base);
    expect(report.checks).toContain('idle-slot-traffic');
    expect(
      report.findings.filter((f) => f.id === 'idle-slot-traffic'),
      JSON.stringify(report.findings, null, 1),
    ).toEqual([]);
  });

  scenarioNeeding(
    ['gatewayApi'],
    'a VirtualService release refuses a deploy while an HTTPRoute sends to the service (both slots), and deploys once it is gone',
    async () => {
      const team = load(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews-team }
spec:
  parentRefs: [{ group: '', kind: Service, name: reviews, port: 9080 }]
  rules:
    - matches: [{ headers: [{ name: x-team, value: 'beta' }] }]
      backendRefs: [{ name: reviews, port: 9080 }]
`) as Record<string, unknown>;
      await apply([team]);
      await accepted('reviews-team');
      try {
        const before = await state();
        const refused = await runCli([
          'deploy',
          'reviews',
          '--image',
          GOOD_IMAGE,
          ...cluster.cliTarget(),
        ]);
        expect(refused.code, refused.stdout + refused.stderr).toBe(2);
        expect(refused.stderr).toContain(
          `[idle-slot-traffic] HTTPRoute ${ns}/reviews-team spec.rules[0].backendRefs[0]: rules[0] sends requests (through sidecars) to Service reviews, which reaches the pods of the idle green slot`,
        );
        expect(refused.stderr).toContain('(a Service that selects only its pods)');
        expect(await state()).toBe(before);
      } finally {
        await kubectl('delete', 'httproute', 'reviews-team');
      }
      await cluster.settle();
      const deployed = await runCli([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        ...cluster.cliTarget(),
      ]);
      expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
      expect(await cluster.imageOf('reviews-green')).toBe(GOOD_IMAGE);
      await rollback(base);
    },
    300_000,
  );

  scenarioNeeding(
    ['gatewayApi'],
    "an HTTPRoute release refuses a deploy while a rule of the user's sends to the idle slot's Service (exit 2, nothing changed), doctor lists it; pointed at the active slot, the deploy goes on",
    async () => {
      // reviews through its HTTPRoute: the slot Services and the mesh route, no VirtualService.
      const manifests = ['reviews-slot-services.yaml', 'reviews-httproute.yaml'].flatMap(
        (file) =>
          loadAll(readFileSync(join(GATEWAY_API_MANIFESTS, file), 'utf8')) as Record<
            string,
            unknown
          >[],
      );
      await apply(manifests);
      await kubectl('delete', 'virtualservice,destinationrule', 'reviews');
      await accepted('reviews');
      await cluster.settle();

      await setUserRules([jason('reviews-green')]);
      const report = await runCli([
        'doctor',
        'reviews',
        '--target-kind',
        'HTTPRoute',
        ...cluster.cliTarget(),
      ]);
      expect(report.code, report.stdout + report.stderr).toBe(2);
      const errors = report.lines.indexOf('ERRORS (1)');
      expect(errors, report.stdout).toBeGreaterThan(0);
      expect(report.lines[errors + 1]).toMatch(
        new RegExp(
          `^ {2}idle-slot-traffic +HTTPRoute ${ns}/reviews spec\\.rules\\[1\\]\\.backendRefs\\[0\\]$`,
        ),
      );

      const before = await state();
      const refused = await runCli(deployArgs());
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain('[SWITCHYARD_PREFLIGHT_FAILED]');
      expect(refused.stderr).toContain(
        `[idle-slot-traffic] HTTPRoute ${ns}/reviews spec.rules[1].backendRefs[0]: rules[1] "jason" sends requests (through sidecars) to Service reviews-green, which reaches the pods of the idle green slot`,
      );
      expect(refused.stderr).toContain(
        'point rules[1] "jason" at the active blue slot (its Service reviews-blue)',
      );
      expect(await state()).toBe(before);

      await setUserRules([jason('reviews-blue')]);
      const deployed = await runCli(deployArgs());
      expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
      expect(await cluster.imageOf('reviews-green')).toBe(GOOD_IMAGE);
      const rules = (await httpRoute()).spec.rules.map((rule) => rule.name);
      expect(rules).toEqual(['primary', 'jason', 'switchyard-reviews-prerelease']);
      // Back to the healthy service: the candidate forgotten by a rollback.
      const rolledBack = await runCli([
        'rollback',
        'reviews',
        '--target-kind',
        'HTTPRoute',
        ...cluster.cliTarget(),
      ]);
      expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    },
    300_000,
  );

  scenarioNeeding(
    ['gatewayApi'],
    'refuses while another HTTPRoute sends to the service itself (both slots), deploys anyway with --allow-idle-slot-traffic',
    async () => {
      const preview = load(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: reviews-preview }
spec:
  parentRefs: [{ group: '', kind: Service, name: reviews, port: 9080 }]
  rules:
    - matches: [{ headers: [{ name: x-preview, value: 'yes' }] }]
      backendRefs: [{ name: reviews, port: 9080 }]
`) as Record<string, unknown>;
      await apply([preview]);
      await accepted('reviews-preview');
      const report = await doctor({ ...base, target: { kind: 'HTTPRoute' } });
      expect(
        report.findings
          .filter((f) => f.id === 'idle-slot-traffic')
          .map((f) => `${f.severity} ${f.object.kind} ${f.object.name} ${f.field}`),
      ).toEqual(['error HTTPRoute reviews-preview spec.rules[0].backendRefs[0]']);

      const before = await state();
      const refused = await runCli(deployArgs());
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain(
        `[idle-slot-traffic] HTTPRoute ${ns}/reviews-preview spec.rules[0].backendRefs[0]: rules[0] sends requests (through sidecars) to Service reviews, which reaches the pods of the idle green slot`,
      );
      expect(await state()).toBe(before);

      const allowed = await runCli(deployArgs('--allow-idle-slot-traffic'));
      expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
      expect(allowed.stdout).toContain('deploy.allowIdleSlotTraffic is set: deploying anyway');
      await kubectl('delete', 'httproute', 'reviews-preview');
    },
    300_000,
  );
});
