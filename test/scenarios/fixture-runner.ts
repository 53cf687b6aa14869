/**
 * Runs one broken fixture against a cluster with the library's `doctor`: the healthy service
 * passes (the check reports nothing as bad as the fixture's finding), the broken one is caught with the
 * expected finding, and once repaired it passes again. Facts settle in the cluster (proxies
 * go stale, pods change), so each state is awaited with a generous deadline.
 */
import { expect } from 'vitest';
import { doctor, type OperationInput, type PreflightReport } from '@switchyard/core';
import { waitFor } from '@switchyard/test-utils';
import type { Cluster } from '@switchyard/test-utils';
import type { CheckFixture, ExpectedFinding } from './check-fixtures.js';

type Finding = PreflightReport['findings'][number];

function matches(finding: Finding, fixture: CheckFixture): boolean {
  const expected: ExpectedFinding = fixture.expected;
  return (
    finding.id === fixture.id &&
    finding.severity === expected.severity &&
    finding.object.kind === expected.kind &&
    (typeof expected.field === 'string'
      ? finding.field === expected.field
      : expected.field.test(finding.field)) &&
    expected.message.test(finding.message)
  );
}

const RANK = { error: 2, warning: 1, info: 0 } as const;

/**
 * What the check reports as bad as the broken fixture, about the same kind of object: an
 * error fixture needs no error from the check on the healthy service, a warning fixture no
 * warning either (a real mesh may warn about other things, say a Gateway without pods).
 */
function problems(report: PreflightReport, fixture: CheckFixture): Finding[] {
  return report.findings.filter(
    (f) =>
      f.id === fixture.id &&
      f.object.kind === fixture.expected.kind &&
      RANK[f.severity] >= RANK[fixture.expected.severity],
  );
}

function describeReport(report: PreflightReport): string {
  return report.findings.map((f) => `${f.severity} ${f.id} ${f.field}: ${f.message}`).join('\n');
}

/**
 * Healthy passes, broken is caught, repaired passes. `onBroken` runs while the service is
 * broken, with the report that caught it (the conformance tier compares istioctl analyze).
 */
export async function runFixture(
  bed: Cluster,
  fixture: CheckFixture,
  base: OperationInput,
  onBroken?: (report: PreflightReport) => Promise<void>,
): Promise<void> {
  const input: OperationInput = { ...base, ...fixture.options?.() };
  const healthy = await waitFor(
    async () => {
      const report = await doctor(input);
      return problems(report, fixture).length === 0 ? report : undefined;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: `${fixture.id} to pass on the healthy service`,
    },
  );
  expect(problems(healthy, fixture)).toEqual([]);
  const repair = await fixture.breakIt(bed);
  const brokenInput: OperationInput = { ...input, ...fixture.brokenOptions?.() };
  let last: PreflightReport | undefined;
  try {
    const broken = await waitFor(
      async () => {
        last = await doctor(brokenInput);
        return last.findings.some((f) => matches(f, fixture)) ? last : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: `${fixture.id} to catch ${fixture.broken}`,
      },
    ).catch((error: unknown) => {
      throw new Error(
        `${(error as Error).message}; last findings:\n${last ? describeReport(last) : '(none)'}`,
      );
    });
    const finding = broken.findings.find((f) => matches(f, fixture)) as Finding;
    expect(finding.fix.length).toBeGreaterThan(0);
    if (fixture.expected.fix) expect(finding.fix).toMatch(fixture.expected.fix);
    if (fixture.expected.severity === 'error') expect(broken.errors).toBeGreaterThan(0);
    await onBroken?.(broken);
  } finally {
    await repair();
  }
  await waitFor(
    async () => {
      const report = await doctor(input);
      return problems(report, fixture).length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: `${fixture.id} to pass once repaired` },
  );
}
