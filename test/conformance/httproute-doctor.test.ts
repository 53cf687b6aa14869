/**
 * `doctor` through an HTTPRoute on the real test bed: each Gateway API pitfall broken on
 * purpose (the installed CRD too old for a field the release writes, a VirtualService also
 * routing the host, a slot Service selecting both slots or none of its own, a backendRef port
 * its Service lacks, a Gateway whose address is pending, a pre-release header a gateway
 * strips, a route istiod refuses), each reported with its object and fix, and silent once
 * repaired; no error on the healthy flavour. And bad input through the CLI (a route that does
 * not exist or routes another service, a slot Service missing, a rule ambiguous about its
 * slots, all-zero weights): exit 2, nothing changed, no lock taken.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor, type OperationInput, type PreflightReport } from '@switchyard/core';
import { runCli, waitFor } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatewayApiNamespace, INGRESS_ROUTE, type GatewayApiNamespace } from './gateway-api-bed.js';

const info = inject('realCluster');
type Finding = PreflightReport['findings'][number];
const NAMESPACE = 'conformance-httproute-doctor';
const GATEWAY_API_CHECKS = [
  'http-route-objects',
  'gateway-api-crds',
  'route-host-conflict',
  'slot-services',
  'backend-ports',
  'gateway-address',
  'route-headers',
  'route-status',
];
let ns: GatewayApiNamespace;
let base: OperationInput;

beforeAll(async () => {
  ns = await gatewayApiNamespace(info, NAMESPACE);
  base = {
    kubeconfig: info.kubeconfig,
    service: 'reviews',
    namespace: NAMESPACE,
    holderIdentity: 'conformance-httproute-doctor',
    prometheus: { url: info.prometheusUrl },
    target: { kind: 'HTTPRoute' },
    deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } },
  };
  // istiod has reported on both routes at their generation.
  for (const name of ['reviews', INGRESS_ROUTE]) {
    const route = await ns.httpRoute(name);
    await ns.routeStatusAt(name, route.metadata.generation);
  }
});
afterAll(async () => {
  await ns?.remove();
});

const kubectl = (...args: string[]) => ns.kubectl(['-n', NAMESPACE, ...args]);
const patch = (kind: string, name: string, ops: unknown[]) =>
  kubectl('patch', kind, name, '--type=json', '-p', JSON.stringify(ops));

async function findings(options: Partial<OperationInput> = {}, id?: string): Promise<Finding[]> {
  const report = await doctor({ ...base, ...options });
  return report.findings.filter((f) => (id ? f.id === id : GATEWAY_API_CHECKS.includes(f.id)));
}

/** Waits until istiod reports the route's current generation. */
async function settled(route: string): Promise<void> {
  const current = await ns.httpRoute(route);
  await ns.routeStatusAt(route, current.metadata.generation);
}

describe('doctor through an HTTPRoute on the real control plane', () => {
  it('finds nothing wrong with the healthy mesh and ingress routes', async () => {
    const report = await doctor(base);
    expect(
      report.findings.filter((f) => f.severity === 'error'),
      JSON.stringify(report.findings, null, 1),
    ).toEqual([]);
    for (const id of GATEWAY_API_CHECKS) expect(report.checks).toContain(id);
    expect(report.checks).not.toContain('subset-labels');
    expect(await findings({ target: { kind: 'HTTPRoute', httpRoute: INGRESS_ROUTE } })).toEqual([]);
  });

  it('gateway-api-crds: an installed CRD without requestMirror.percent, for a release with a mirror step', async () => {
    const mirrorPath =
      '/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/rules/items/properties/filters/items/properties/requestMirror';
    type Schema = {
      properties: Record<string, Schema>;
      items: Schema;
      'x-kubernetes-validations'?: unknown[];
    };
    const crd = JSON.parse(
      await ns.kubectl(['get', 'crd', 'httproutes.gateway.networking.k8s.io', '-o', 'json']),
    ) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
    expect(crd.spec.versions[0]?.name).toBe('v1');
    const rules = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec!.properties.rules!;
    const mirror = rules.items.properties.filters!.items.properties.requestMirror!;
    const percent = mirror.properties.percent;
    // Its CEL rule (percent or fraction) goes too: a release older than the field has neither.
    const validations = mirror['x-kubernetes-validations'];
    expect(percent).toBeDefined();
    expect(validations).toBeDefined();
    const mirroring = { strategy: { steps: [{ mirror: 10 }, { weight: 100 }] } };
    await ns.kubectl([
      'patch',
      'crd',
      'httproutes.gateway.networking.k8s.io',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'remove', path: `${mirrorPath}/x-kubernetes-validations` },
        { op: 'remove', path: `${mirrorPath}/properties/percent` },
      ]),
    ]);
    try {
      const [finding] = await findings(mirroring, 'gateway-api-crds');
      expect(finding).toMatchObject({
        severity: 'error',
        object: { kind: 'CustomResourceDefinition', name: 'httproutes.gateway.networking.k8s.io' },
      });
      expect(finding?.message).toContain(
        'the installed CRD (v1.6.0 standard) has no spec.rules[].filters[].requestMirror.percent',
      );
    } finally {
      await ns.kubectl([
        'patch',
        'crd',
        'httproutes.gateway.networking.k8s.io',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'add', path: `${mirrorPath}/properties/percent`, value: percent },
          { op: 'add', path: `${mirrorPath}/x-kubernetes-validations`, value: validations },
        ]),
      ]);
    }
    expect(await findings(mirroring, 'gateway-api-crds')).toEqual([]);
  });

  it('route-host-conflict: a VirtualService routing the same host for the mesh', async () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews-legacy', namespace: NAMESPACE },
      spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
    };
    await ns.kubectl(['apply', '-f', '-'], JSON.stringify(vs));
    try {
      const [finding] = await findings({}, 'route-host-conflict');
      expect(finding).toMatchObject({
        severity: 'error',
        object: { kind: 'VirtualService', name: 'reviews-legacy' },
      });
      expect(finding?.message).toContain('Istio leaves which one a sidecar follows undefined');
    } finally {
      await kubectl('delete', 'virtualservice', 'reviews-legacy');
    }
    expect(await findings({}, 'route-host-conflict')).toEqual([]);
  });

  it("slot-services: a slot Service that selects the other slot's pods too", async () => {
    await patch('service', 'reviews-green', [{ op: 'remove', path: '/spec/selector/version' }]);
    try {
      const [finding] = await findings({}, 'slot-services');
      expect(finding).toMatchObject({
        severity: 'error',
        object: { kind: 'Service', name: 'reviews-green' },
        field: 'spec.selector',
      });
      expect(finding?.message).toContain("also matches the blue slot's pods");
    } finally {
      await patch('service', 'reviews-green', [
        { op: 'add', path: '/spec/selector/version', value: 'green' },
      ]);
    }
    expect(await findings({}, 'slot-services')).toEqual([]);
  });

  it("slot-services: a slot Service that selects none of its slot's pods", async () => {
    await patch('service', 'reviews-green', [
      { op: 'replace', path: '/spec/selector/version', value: 'canary' },
    ]);
    try {
      const [finding, ...more] = await findings({}, 'slot-services');
      expect(more).toEqual([]);
      expect(finding).toMatchObject({
        severity: 'error',
        object: { kind: 'Service', name: 'reviews-green' },
        field: 'spec.selector',
      });
      expect(finding?.message).toContain(
        "which matches none of the green slot's pods (labels of Deployment reviews-green)",
      );
    } finally {
      await patch('service', 'reviews-green', [
        { op: 'replace', path: '/spec/selector/version', value: 'green' },
      ]);
    }
    expect(await findings({}, 'slot-services')).toEqual([]);
  });

  it('backend-ports and route-status: a port the Service lacks (accepted), a Service that does not exist (refused)', async () => {
    await patch('httproute', 'reviews', [
      { op: 'replace', path: '/spec/rules/0/backendRefs/1/port', value: 8080 },
      {
        op: 'add',
        path: '/spec/rules/-',
        value: {
          name: 'ratings',
          matches: [{ path: { type: 'PathPrefix', value: '/ratings' } }],
          backendRefs: [{ name: 'ratings-missing', port: 9080 }],
        },
      },
    ]);
    try {
      await settled('reviews');
      const ports = await findings({}, 'backend-ports');
      expect(ports.map((f) => f.field)).toEqual([
        'spec.rules[0].backendRefs[1].port',
        'spec.rules[1].backendRefs[0]',
      ]);
      expect(ports[0]?.message).toContain(
        'sends to port 8080 of Service reviews-green, which has port 9080',
      );
      const [status] = await findings({}, 'route-status');
      expect(status?.message).toBe(
        `istiod does not accept it for Service ${NAMESPACE}/reviews:9080: ResolvedRefs BackendNotFound: backend(ratings-missing.${NAMESPACE}.svc.cluster.local) not found; every step would be refused`,
      );
    } finally {
      await patch('httproute', 'reviews', [
        { op: 'remove', path: '/spec/rules/1' },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/port', value: 9080 },
      ]);
    }
    await settled('reviews');
    expect(await findings({}, 'backend-ports')).toEqual([]);
    expect(await findings({}, 'route-status')).toEqual([]);
  });

  it('gateway-address: a Gateway whose load balancer address is pending', async () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'pending-lb', namespace: NAMESPACE },
      spec: {
        gatewayClassName: 'istio',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }],
      },
    };
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews-pending', namespace: NAMESPACE },
      spec: {
        parentRefs: [{ name: 'pending-lb' }],
        hostnames: ['pending.example.com'],
        rules: [
          {
            name: 'primary',
            backendRefs: [
              { name: 'reviews-blue', port: 9080, weight: 100 },
              { name: 'reviews-green', port: 9080, weight: 0 },
            ],
          },
        ],
      },
    };
    await ns.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [gateway, route] }),
    );
    const pending = { target: { kind: 'HTTPRoute' as const, httpRoute: 'reviews-pending' } };
    try {
      const finding = await waitFor(
        async () => {
          const [found] = await findings(pending, 'gateway-address');
          return found?.message.includes('address pending') ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000, description: 'pending-lb reported pending' },
      );
      expect(finding).toMatchObject({
        severity: 'warning',
        object: { kind: 'Gateway', namespace: NAMESPACE, name: 'pending-lb' },
      });
      expect(finding.message).toContain('not Programmed (AddressNotAssigned:');
      // Repaired: a ClusterIP Service gets its address at once.
      await kubectl(
        'annotate',
        'gateway',
        'pending-lb',
        'networking.istio.io/service-type=ClusterIP',
      );
      await waitFor(async () => (await findings(pending, 'gateway-address')).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 1000,
        description: 'pending-lb programmed',
      });
    } finally {
      await kubectl('delete', 'httproute', 'reviews-pending');
      await kubectl('delete', 'gateway', 'pending-lb');
    }
  });

  it('route-headers: a pre-release header a gateway strips, on the ingress route', async () => {
    const ingress = { kind: 'HTTPRoute' as const, httpRoute: INGRESS_ROUTE };
    const [finding] = await findings(
      {
        target: ingress,
        deploy: { preRelease: { headers: [{ name: 'x-envoy-release', exact: 'candidate' }] } },
      },
      'route-headers',
    );
    expect(finding).toMatchObject({
      severity: 'error',
      object: { kind: 'ReleaseSpec', name: 'reviews' },
      field: 'deploy.preRelease.headers',
    });
    expect(finding?.message).toContain(
      'Envoy removes x-envoy-* headers from requests entering at a gateway',
    );
    expect(await findings({ target: ingress }, 'route-headers')).toEqual([]);
  });

  it('deploy refuses bad input through an HTTPRoute: exit 2 naming the object, nothing changed, no lock', async () => {
    const cli = async (...args: string[]) => {
      const before = (await ns.httpRoute('reviews')).metadata.resourceVersion;
      const result = await runCli([
        'deploy',
        'reviews',
        '--image',
        'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1',
        '--header',
        'x-release=candidate',
        '-n',
        NAMESPACE,
        '--kubeconfig',
        info.kubeconfig,
        ...args,
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect((await ns.httpRoute('reviews')).metadata.resourceVersion).toBe(before);
      await expect(kubectl('get', 'lease', 'switchyard-reviews')).rejects.toThrow(/NotFound/);
      return result.stderr;
    };
    // An HTTPRoute that does not exist: named, and (the kind left to detection) the
    // VirtualService that does not either.
    expect(await cli('--target-kind', 'HTTPRoute', '--http-route', 'reviews-nope')).toContain(
      `HTTPRoute ${NAMESPACE}/reviews-nope: not found`,
    );
    expect(await cli('--http-route', 'reviews-nope')).toContain(
      `VirtualService ${NAMESPACE}/reviews: not found, and neither is HTTPRoute ${NAMESPACE}/reviews-nope`,
    );
    // An HTTPRoute that exists but routes another service (its parent is productpage).
    const foreign = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'productpage', namespace: NAMESPACE },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'productpage', port: 9080 }],
        rules: [{ backendRefs: [{ name: 'productpage', port: 9080 }] }],
      },
    };
    await ns.kubectl(['apply', '-f', '-'], JSON.stringify(foreign));
    try {
      const version = (await ns.httpRoute('productpage')).metadata.resourceVersion;
      expect(await cli('--target-kind', 'HTTPRoute', '--http-route', 'productpage')).toContain(
        `HTTPRoute ${NAMESPACE}/productpage: spec.parentRefs[0] is the Service productpage, not reviews: this route does not route reviews's mesh traffic`,
      );
      expect((await ns.httpRoute('productpage')).metadata.resourceVersion).toBe(version);
    } finally {
      await kubectl('delete', 'httproute', 'productpage');
    }
    // A slot Service that does not exist.
    const spec = join(await mkdtemp(join(tmpdir(), 'switchyard-bad-')), 'release.yaml');
    await writeFile(
      spec,
      'apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\ntarget:\n  kind: HTTPRoute\n  slots:\n    green:\n      service: reviews-canary\n',
    );
    expect(await cli('-f', spec)).toContain(
      `Service ${NAMESPACE}/reviews-canary: not found (target.slots.green.service)`,
    );
    // A rule ambiguous about which backends are the slots.
    await patch('httproute', 'reviews', [
      {
        op: 'add',
        path: '/spec/rules/0/backendRefs/-',
        value: { name: 'productpage', port: 9080, weight: 1 },
      },
    ]);
    try {
      expect(await cli()).toContain(
        `HTTPRoute ${NAMESPACE}/reviews: rules[0] "primary" also sends to Service productpage (backendRefs[2]), which is not a slot Service of reviews`,
      );
    } finally {
      await patch('httproute', 'reviews', [{ op: 'remove', path: '/spec/rules/0/backendRefs/2' }]);
    }
    // Weights that leave no backend (istiod answers all-zero weights with a 500).
    await patch('httproute', 'reviews', [
      { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 0 },
    ]);
    try {
      expect(await cli()).toContain(
        'rules[0] "primary" gives every backend weight 0, which istiod answers with a 500 for every request',
      );
    } finally {
      await patch('httproute', 'reviews', [
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 100 },
      ]);
    }
  });
});
