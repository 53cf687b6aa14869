/**
 * Every preflight check against the simulator, through the library's `doctor`: the
 * healthy bookinfo reviews passes it, a broken fixture (test/preflight/check-fixtures.ts) is
 * caught with the object, field and message expected, and the repaired service passes
 * again. The simulator serves the real Istio CRDs, runs istiod replicas and Envoy proxies,
 * and is scraped by a real Prometheus, so every check runs, data-plane ones included.
 */
import { doctor, type OperationInput } from '@switchyard/core';
import { startTestbed, waitForServiceRequests, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesFor, type FixtureBed } from './check-fixtures.js';
import { runFixture } from './fixture-runner.js';

let bed: Testbed;
let fixtureBed: FixtureBed;
let base: OperationInput;

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
  fixtureBed = {
    kind: 'sim',
    namespace: 'bookinfo',
    kubectl: (args) => bed.kubectl(args),
    controlUrl: bed.sim.controlUrl,
  };
  base = bed.operationOptions('doctor-test');
  // The sidecars' own reports of reviews' traffic, what prometheus-data looks for.
  await waitForServiceRequests(bed, 'reviews');
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('doctor on the simulator', () => {
  it('finds no error or warning on the healthy service, only the idle slot noted', async () => {
    const report = await doctor(base);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
    expect(report.findings.map((f) => `${f.severity} ${f.id}`)).toEqual(['info subset-empty']);
    expect(report.checks).toHaveLength(15);
  });

  for (const fixture of fixturesFor({ kind: 'sim' }, true)) {
    it(`${fixture.id}: catches ${fixture.broken}, passes once repaired`, async () => {
      await runFixture(fixtureBed, fixture, base);
    });
  }

  it('target-objects: reports a service that does not exist', async () => {
    const report = await doctor({ ...base, service: 'nosuchservice' });
    expect(report.findings.filter((f) => f.id === 'target-objects').map((f) => f.object)).toEqual([
      { kind: 'Service', namespace: 'bookinfo', name: 'nosuchservice' },
      { kind: 'VirtualService', namespace: 'bookinfo', name: 'nosuchservice' },
      { kind: 'DestinationRule', namespace: 'bookinfo', name: 'nosuchservice' },
      { kind: 'Deployment', namespace: 'bookinfo', name: 'nosuchservice-blue' },
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
    expect(report.findings).toEqual([]);
  });
});
