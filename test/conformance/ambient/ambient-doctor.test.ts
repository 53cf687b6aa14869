/**
 * `doctor` in ambient mode on the ambient test bed: silent on the healthy ambient bookinfo
 * (through the CLI: exit 0, no error, no ambient finding), then each ambient pitfall broken on
 * purpose and reported with its object and fix: the Service bound to no waypoint, bound to a
 * waypoint that does not exist, the waypoint without ready pods, ingress through a Gateway that
 * bypasses the waypoint, a VirtualService through the waypoint, and a caller with a sidecar
 * routing around it. Each is repaired before the next.
 */
import { doctor, type OperationInput, type PreflightReport } from '@switchyard/core';
import { runCli, waitFor } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ambientBookinfoIn,
  ambientNamespace,
  WAYPOINT,
  waypointProgrammed,
  type AmbientNamespace,
} from './ambient-bed.js';

type Finding = PreflightReport['findings'][number];

const info = inject('realCluster');
const NAMESPACE = 'conformance-ambient-doctor';
const AMBIENT_CHECKS = [
  'ambient-waypoint',
  'ambient-ingress',
  'ambient-virtualservice',
  'ambient-sidecar-callers',
];
let ns: AmbientNamespace;
let base: OperationInput;

beforeAll(async () => {
  ns = await ambientNamespace(info, NAMESPACE);
  base = {
    kubeconfig: info.kubeconfig,
    service: 'reviews',
    namespace: NAMESPACE,
    holderIdentity: 'conformance-ambient-doctor',
    prometheus: { url: info.prometheusUrl },
    target: { kind: 'HTTPRoute' },
  };
});
afterAll(async () => {
  await ns?.remove();
});

const kubectl = (...args: string[]) => ns.kubectl(['-n', NAMESPACE, ...args]);

async function ambientFindings(options: Partial<OperationInput> = {}): Promise<Finding[]> {
  const report = await doctor({ ...base, ...options });
  return report.findings.filter((f) => AMBIENT_CHECKS.includes(f.id));
}

async function readyWaypointPods(count: number): Promise<void> {
  await waitFor(
    async () => {
      const pods = await ns.kubectlJson<{
        items: { status: { conditions?: { type: string; status: string }[] } }[];
      }>([
        '-n',
        NAMESPACE,
        'get',
        'pods',
        '-l',
        `gateway.networking.k8s.io/gateway-name=${WAYPOINT}`,
      ]);
      const ready = pods.items.filter((p) =>
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === count && pods.items.length === count;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: `${count} ready waypoint pods` },
  );
}

describe('doctor in ambient mode on the real control plane', () => {
  it('passes the healthy ambient bookinfo through the CLI', async () => {
    const result = await runCli([
      'doctor',
      'reviews',
      '-n',
      NAMESPACE,
      '--http-route',
      'reviews',
      '--kubeconfig',
      info.kubeconfig,
      '--prometheus-url',
      info.prometheusUrl,
      '-o',
      'json',
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { checks: string[]; findings: Finding[] };
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    for (const id of ['ambient-waypoint', 'ambient-ingress', 'ambient-sidecar-callers'])
      expect(report.checks).toContain(id);
    expect(report.findings.filter((f) => AMBIENT_CHECKS.includes(f.id))).toEqual([]);
    // Ambient pods run no sidecar: not a sidecar-injection problem here.
    expect(report.findings.filter((f) => f.id === 'sidecar-injection')).toEqual([]);
  });

  it('ambient-waypoint: the Service bound to no waypoint, then to one that does not exist', async () => {
    await ns.kubectl(['label', 'namespace', NAMESPACE, 'istio.io/use-waypoint-']);
    try {
      const [unbound, ...more] = await ambientFindings();
      expect(more).toEqual([]);
      expect(unbound).toMatchObject({
        id: 'ambient-waypoint',
        severity: 'error',
        object: { kind: 'Service', namespace: NAMESPACE, name: 'reviews' },
      });
      expect(unbound?.message).toContain(
        `bound to no waypoint (neither the Service nor namespace ${NAMESPACE} has istio.io/use-waypoint)`,
      );
      await kubectl('label', 'service', 'reviews', 'istio.io/use-waypoint=ghost');
      const [missing] = await ambientFindings();
      expect(missing).toMatchObject({
        id: 'ambient-waypoint',
        severity: 'error',
        object: { kind: 'Gateway', namespace: NAMESPACE, name: 'ghost' },
      });
      expect(missing?.message).toMatch(/^waypoint Gateway \S+\/ghost does not exist/);
    } finally {
      await kubectl('label', 'service', 'reviews', 'istio.io/use-waypoint-');
      await ns.kubectl([
        'label',
        'namespace',
        NAMESPACE,
        `istio.io/use-waypoint=${WAYPOINT}`,
        '--overwrite',
      ]);
    }
    expect(await ambientFindings()).toEqual([]);
  });

  it('ambient-waypoint: the waypoint without ready pods', async () => {
    await kubectl('scale', 'deployment', WAYPOINT, '--replicas=0');
    try {
      await readyWaypointPods(0);
      const findings = await ambientFindings();
      expect(findings.map((f) => [f.id, f.severity, f.object.kind, f.object.name])).toContainEqual([
        'ambient-waypoint',
        'error',
        'Gateway',
        WAYPOINT,
      ]);
      expect(findings.map((f) => f.message)).toContainEqual(
        expect.stringMatching(new RegExp(`^waypoint ${NAMESPACE}/${WAYPOINT} has no ready pods`)),
      );
      // Once istiod computes the Gateway's status again: not Programmed either.
      await waypointProgrammed(ns, 'False');
      expect((await ambientFindings()).map((f) => f.message)).toContainEqual(
        expect.stringMatching(
          new RegExp(`^waypoint ${NAMESPACE}/${WAYPOINT} is not Programmed \\(AddressNotAssigned`),
        ),
      );
    } finally {
      await kubectl('scale', 'deployment', WAYPOINT, '--replicas=1');
      await readyWaypointPods(1);
      // Repaired once istiod's status of the Gateway has the pod as its instance again.
      await waypointProgrammed(ns, 'True');
    }
    expect(await ambientFindings()).toEqual([]);
  });

  it('ambient-ingress: an HTTPRoute on a Gateway to the Service, which bypasses the waypoint', async () => {
    const ingress = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews-ingress', namespace: NAMESPACE },
      spec: {
        parentRefs: [{ name: 'bookinfo-ingress' }],
        rules: [{ backendRefs: [{ name: 'reviews-blue', port: 9080 }] }],
      },
    };
    await ns.kubectl(['apply', '-f', '-'], JSON.stringify(ingress));
    try {
      const [finding] = await ambientFindings();
      expect(finding).toMatchObject({
        id: 'ambient-ingress',
        severity: 'warning',
        object: { kind: 'HTTPRoute', name: 'reviews-ingress' },
        fix: 'label the Service istio.io/ingress-use-waypoint=true, or release the ingress route itself',
      });
      await kubectl('label', 'service', 'reviews', 'istio.io/ingress-use-waypoint=true');
      expect(await ambientFindings()).toEqual([]);
    } finally {
      await kubectl('delete', 'httproute', 'reviews-ingress');
      await kubectl('label', 'service', 'reviews', 'istio.io/ingress-use-waypoint-');
    }
  });

  it('ambient-virtualservice: a VirtualService through the waypoint, with the HTTPRoute alternative', async () => {
    const objects = [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'reviews', namespace: NAMESPACE },
        spec: {
          host: 'reviews',
          subsets: [
            { name: 'blue', labels: { version: 'blue' } },
            { name: 'green', labels: { version: 'green' } },
          ],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'reviews', namespace: NAMESPACE },
        spec: {
          hosts: ['reviews'],
          http: [{ route: [{ destination: { host: 'reviews', subset: 'blue' }, weight: 100 }] }],
        },
      },
    ];
    await ns.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
    try {
      const findings = await ambientFindings({ target: { kind: 'VirtualService' } });
      expect(findings.map((f) => [f.id, f.severity, f.object.kind])).toEqual([
        ['ambient-virtualservice', 'warning', 'VirtualService'],
      ]);
      expect(findings[0]?.message).toContain(
        'a VirtualService through a waypoint is Alpha in Istio',
      );
      expect(findings[0]?.fix).toContain('release through an HTTPRoute');
    } finally {
      await kubectl('delete', 'virtualservice', 'reviews');
      await kubectl('delete', 'destinationrule', 'reviews');
    }
  });

  it('ambient-sidecar-callers: a caller with a sidecar of its own routes around the waypoint', async () => {
    const caller = (await ambientBookinfoIn(NAMESPACE, { sidecarCaller: true })).find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'sidecar-caller',
    );
    await ns.kubectl(['apply', '-f', '-'], JSON.stringify(caller));
    try {
      const [finding] = await waitFor(
        async () => {
          const found = await ambientFindings();
          return found.length > 0 ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000, description: 'the sidecar caller running' },
      );
      expect(finding).toMatchObject({ id: 'ambient-sidecar-callers', severity: 'warning' });
      expect(finding?.message).toMatch(
        new RegExp(
          `^sidecar-caller-\\S+ in ${NAMESPACE} run a sidecar, which routes by its own routes and not through waypoint ${WAYPOINT}`,
        ),
      );
    } finally {
      await kubectl('delete', 'deployment', 'sidecar-caller');
    }
  });
});
