/**
 * Every preflight check through the library's `doctor`: the healthy bookinfo reviews passes
 * it, a broken fixture (check-fixtures.ts) is caught with the object, field and message
 * expected, and the repaired service passes again. Both tiers serve the real Istio CRDs,
 * run istiod replicas and proxies, and are scraped by a real Prometheus, so every check
 * runs, data-plane ones included; a fixture one tier cannot build is registered where it
 * can. A real bed started without its data plane (`--no-data-plane`) gets what doctor says
 * instead: no proxy connected, Prometheus unreachable, header limits unread.
 */
import { doctor, type OperationInput } from '@switchyard/core';
import type { Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_FIXTURES, VIRTUAL_SERVICE_CHECKS } from './check-fixtures.js';
import { runFixture } from './fixture-runner.js';
import { scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';

let cluster: Cluster;
let ns: string;
let base: OperationInput;

beforeAll(async () => {
  cluster = await startScenarioCluster('doctor-checks', { prometheus: true });
  ns = cluster.namespace;
  base = cluster.operationOptions('doctor-checks');
  // The sidecars' own reports of reviews' traffic, what prometheus-data looks for.
  await cluster.settle();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('doctor', () => {
  it('finds no error on the healthy service', async () => {
    const report = await doctor(base);
    expect(
      report.findings.filter((f) => f.severity === 'error'),
      JSON.stringify(report.findings, null, 1),
    ).toEqual([]);
    expect(report.errors).toBe(0);
    // The ambient checks run too, and find a sidecar mesh fine.
    expect(report.checks).toEqual(VIRTUAL_SERVICE_CHECKS);
    expect(report.checks).toContain('ambient-waypoint');
  });

  scenarioNeeding(
    ['gatewayProxies'],
    'finds no warning either on the healthy service, only the idle slot noted',
    async () => {
      const report = await doctor(base);
      expect(report.warnings).toBe(0);
      expect(report.findings.map((f) => `${f.severity} ${f.id}`)).toEqual(['info subset-empty']);
    },
  );

  for (const fixture of CHECK_FIXTURES) {
    scenarioNeeding(
      fixture.needs ?? [],
      `${fixture.id}: catches ${fixture.broken}, passes once repaired`,
      () => runFixture(cluster, fixture, base),
    );
  }

  it('target-objects: reports a service that does not exist', async () => {
    const report = await doctor({ ...base, service: 'nosuchservice' });
    expect(report.findings.filter((f) => f.id === 'target-objects').map((f) => f.object)).toEqual([
      { kind: 'Service', namespace: ns, name: 'nosuchservice' },
      { kind: 'VirtualService', namespace: ns, name: 'nosuchservice' },
      { kind: 'DestinationRule', namespace: ns, name: 'nosuchservice' },
      { kind: 'Deployment', namespace: ns, name: 'nosuchservice-blue' },
    ]);
  });

  it('leaves out what --skip-check and preflight.skip name, and says so', async () => {
    const report = await doctor({
      ...base,
      skipChecks: ['subset-empty'],
      preflight: { skip: ['proxy-sync'] },
    });
    expect(report.skipped).toEqual([
      { id: 'subset-empty', source: 'option' },
      { id: 'proxy-sync', source: 'spec' },
    ]);
    expect(report.checks).not.toContain('proxy-sync');
    expect(report.findings.filter((f) => f.id === 'subset-empty' || f.id === 'proxy-sync')).toEqual(
      [],
    );
  });

  scenarioNeeding(
    ['gatewayProxies'],
    'with those left out, finds nothing at all on the healthy service',
    async () => {
      const report = await doctor({
        ...base,
        skipChecks: ['subset-empty'],
        preflight: { skip: ['proxy-sync'] },
      });
      expect(report.findings).toEqual([]);
    },
  );

  scenarioNeeding(
    ['!dataPlane'],
    'without a data plane: says no proxy is connected, Prometheus is unreachable, header limits unread',
    async () => {
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
    },
  );
});
