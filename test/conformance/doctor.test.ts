/**
 * The preflight checks against a real kube-apiserver and istiod: the same broken fixtures as
 * the simulator suite (test/preflight/check-fixtures.ts), applied with kubectl through the
 * real Istio CRDs and validating webhook, each caught by `doctor` and passed once repaired.
 *
 * The proxy-sync, Prometheus and config_dump fixtures need the data plane (the proxy fleet
 * and Prometheus). Without it (`--no-data-plane`: no proxies, no Prometheus) the suite checks
 * what doctor says instead: no proxy connected to istiod, Prometheus unreachable, and the
 * header limits not readable.
 */
import { doctor, type OperationInput } from '@switchyard/core';
import { promQuery, realNamespace, waitFor, type RealNamespace } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixturesFor, type FixtureBed } from '../preflight/check-fixtures.js';
import { runFixture } from '../preflight/fixture-runner.js';

const info = inject('realTestbed');
/** The test bed prints an empty Prometheus address when it runs without the data plane. */
const dataPlane = info.prometheusUrl !== '';
let ns: RealNamespace;
let bed: FixtureBed;
let base: OperationInput;

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-doctor');
  bed = {
    kind: 'real',
    namespace: ns.namespace,
    kubectl: (args) => ns.kubectl(args),
    controlUrl: info.controlUrl,
  };
  base = {
    kubeconfig: info.kubeconfig,
    service: 'reviews',
    namespace: ns.namespace,
    holderIdentity: 'conformance-doctor',
    ...(dataPlane ? { prometheus: { url: info.prometheusUrl } } : {}),
  };
  if (dataPlane) {
    await waitFor(
      async () => {
        const rows = await promQuery(
          info.prometheusUrl,
          `istio_requests_total{reporter="destination",destination_service_namespace="${ns.namespace}",destination_service_name="reviews"}`,
        );
        return rows.length > 0;
      },
      { timeoutMs: 180_000, intervalMs: 1000, description: 'reviews traffic in Prometheus' },
    );
  }
});

afterAll(async () => {
  await ns?.remove();
});

describe('doctor on the real control plane', () => {
  it('finds no error on the healthy bookinfo', async () => {
    const report = await doctor(base);
    expect(
      report.findings.filter((f) => f.severity === 'error'),
      JSON.stringify(report.findings, null, 1),
    ).toEqual([]);
    expect(report.checks).toHaveLength(15);
  });

  for (const fixture of fixturesFor({ kind: 'real' }, dataPlane)) {
    it(`${fixture.id}: catches ${fixture.broken}, passes once repaired`, async () => {
      await runFixture(bed, fixture, base);
    });
  }

  if (!dataPlane) {
    it('without a data plane: says no proxy is connected, Prometheus is unreachable, header limits unread', async () => {
      const report = await doctor({
        ...base,
        prometheus: { url: 'http://127.0.0.1:9' },
        deploy: { preRelease: { headers: [{ name: 'x-token', exact: 'a'.repeat(2000) }] } },
      });
      const byId = (id: string) => report.findings.filter((f) => f.id === id);
      expect(byId('proxy-sync')).toEqual([
        expect.objectContaining({
          severity: 'warning',
          message: expect.stringContaining(
            'no proxy in the sync scope is connected to istiod',
          ) as string,
        }),
      ]);
      expect(byId('prometheus-data')).toEqual([
        expect.objectContaining({
          severity: 'warning',
          message: expect.stringContaining('cannot query Prometheus') as string,
        }),
      ]);
      expect(byId('header-size')).toEqual([
        expect.objectContaining({
          severity: 'info',
          message: expect.stringMatching(
            /^not checked: the proxies' request header limits: /,
          ) as string,
        }),
      ]);
    });
  }
});
