/**
 * doctor held against Istio's own `istioctl analyze` (built from the pinned istio.io/istio,
 * run offline) on the real control plane: on the healthy service and on each broken fixture
 * (test/scenarios/check-fixtures.ts, the ones doctor-checks.test.ts runs on both tiers),
 * every message analyze gives must be covered by a finding (`istioctl-analyze.ts`), and the
 * codes a fixture expects must be among them. The simulator has no istioctl: this file is
 * the real bed's only. A fixture that needs what the bed was started without (the data
 * plane) is registered only where it can run, as in the scenarios.
 */
import { doctor, type OperationInput, type PreflightReport } from '@switchyard/core';
import { PREFLIGHT_CHECK_IDS } from '@switchyard/core/preflight-check-ids';
import { createRealNamespace, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CHECK_FIXTURES,
  VIRTUAL_SERVICE_CHECKS,
  type CheckFixture,
} from '../scenarios/check-fixtures.js';
import { runFixture } from '../scenarios/fixture-runner.js';
import { scenarioNeeding } from '../scenarios/scenario-cluster.js';
import { analyzeNamespaces, istioctlBinary, uncoveredMessages } from './istioctl-analyze.js';

type Finding = PreflightReport['findings'][number];

const info = inject('realCluster');
let ns: Cluster;
let base: OperationInput;
let istioctl: string;

/**
 * istioctl analyze (offline) on the namespace as it is now, and the other team's namespace
 * some fixtures use: every message doctor's report must cover, and the codes the fixture
 * expects must be among them (so the comparison is never vacuous).
 */
async function expectAnalyzeCovered(
  report: PreflightReport,
  fixture?: CheckFixture,
): Promise<void> {
  const other = `${ns.namespace}-other`;
  const namespaces = (await ns.kubectl(['get', 'namespaces', '-o', 'name']))
    .split('\n')
    .includes(`namespace/${other}`)
    ? [ns.namespace, other]
    : [ns.namespace];
  const messages = await analyzeNamespaces(istioctl, (args) => ns.kubectl(args), namespaces);
  expect(uncoveredMessages(messages, report), JSON.stringify(report.findings, null, 1)).toEqual([]);
  expect([...new Set(messages.map((m) => m.code))].sort()).toEqual(
    [...(fixture?.analyze ?? [])].sort(),
  );
}

beforeAll(async () => {
  istioctl = await istioctlBinary();
  ns = await createRealNamespace(info, 'conformance-doctor');
  base = ns.operationOptions('conformance-doctor');
  // The sidecars' own reports of reviews' traffic, what prometheus-data looks for.
  await ns.settle();
}, 300_000);

afterAll(async () => {
  await ns?.stop();
});

describe('doctor against istioctl analyze on the real control plane', () => {
  it('finds no error on the healthy bookinfo, and covers every analyze message', async () => {
    const report = await doctor(base);
    expect(
      report.findings.filter((f) => f.severity === 'error'),
      JSON.stringify(report.findings, null, 1),
    ).toEqual([]);
    expect(report.checks).toEqual(VIRTUAL_SERVICE_CHECKS);
    await expectAnalyzeCovered(report);
  });

  it('the comparison fails on an analyze message no finding covers, and on a code no check covers', () => {
    const message = {
      code: 'IST0101',
      level: 'Error',
      message: 'Referenced host+subset in destinationrule not found: "reviews+v3"',
      origin: 'VirtualService shop/reviews',
    };
    const report = (findings: Finding[]): PreflightReport => ({
      service: 'reviews',
      namespace: 'shop',
      findings,
      checks: [...PREFLIGHT_CHECK_IDS],
      skipped: [],
      errors: findings.length,
      warnings: 0,
    });
    const finding: Finding = {
      id: 'vs-destinations',
      severity: 'error',
      object: { kind: 'VirtualService', namespace: 'shop', name: 'reviews' },
      field: 'spec.http[0].route[0].destination',
      message: 'routes to subset "v3", which DestinationRule shop/reviews does not define',
      fix: 'define it',
    };
    expect(uncoveredMessages([message], report([finding]))).toEqual([]);
    expect(uncoveredMessages([message], report([{ ...finding, id: 'vs-hosts' }]))).toEqual([
      'Error [IST0101] (VirtualService shop/reviews) Referenced host+subset in destinationrule not found: "reviews+v3"',
    ]);
    expect(uncoveredMessages([{ ...message, code: 'IST0999' }], report([finding]))).toEqual([
      'Error [IST0999] (VirtualService shop/reviews) Referenced host+subset in destinationrule not found: "reviews+v3" — no doctor check covers this code',
    ]);
  });

  for (const fixture of CHECK_FIXTURES) {
    scenarioNeeding(
      fixture.needs ?? [],
      `${fixture.id}: catches ${fixture.broken}, analyze's messages covered, passes once repaired`,
      () => runFixture(ns, fixture, base, (report) => expectAnalyzeCovered(report, fixture)),
    );
  }
});
