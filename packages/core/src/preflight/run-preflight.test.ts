import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { PREFLIGHT_CHECK_IDS } from './check-ids.js';
import { healthyContext } from './__fixtures__/preflight-context-fixtures.js';
import { PREFLIGHT_CHECKS } from './preflight-checks.js';
import { factsNeeded, resolveSkips, runChecks, selectChecks } from './run-preflight.js';

describe('running preflight', () => {
  it('has one module per check id, in id order', () => {
    expect(PREFLIGHT_CHECKS.map((c) => c.id)).toEqual([...PREFLIGHT_CHECK_IDS]);
  });

  it('leaves out skipped checks, and doctor-only checks before a change', () => {
    const skipped = resolveSkips(['proxy-sync'], ['header-size', 'proxy-sync']);
    expect(skipped).toEqual([
      { id: 'proxy-sync', source: 'option' },
      { id: 'header-size', source: 'spec' },
    ]);
    const forDoctor = selectChecks(PREFLIGHT_CHECKS, 'doctor', skipped).map((c) => c.id);
    expect(forDoctor).toContain('target-objects');
    expect(forDoctor).not.toContain('proxy-sync');
    const forDeploy = selectChecks(PREFLIGHT_CHECKS, 'deploy', skipped);
    expect(forDeploy.map((c) => c.id)).not.toContain('target-objects');
    // Skipping the only checks that need syncz means syncz is not read at all.
    const needs = factsNeeded(
      selectChecks(
        PREFLIGHT_CHECKS,
        'deploy',
        resolveSkips(['proxy-sync', 'vs-visibility', 'header-size'], []),
      ),
    );
    expect(needs.has('proxies')).toBe(false);
    expect(needs.has('pods')).toBe(true);
  });

  it('refuses an unknown --skip-check id with the closest one', () => {
    expect(() => resolveSkips(['proxy-snyc'], [])).toThrow(UsageError);
    expect(() => resolveSkips(['proxy-snyc'], [])).toThrow(/did you mean "proxy-sync"/);
  });

  it('orders findings errors first and counts them', () => {
    const context = healthyContext();
    const service = context.service!;
    const report = runChecks(
      PREFLIGHT_CHECKS,
      {
        ...context,
        service: { ...service, spec: { ...service.spec, ports: [{ name: 'tcp', port: 9080 }] } },
        prometheus: { ok: false, error: 'refused' },
      },
      [],
    );
    expect(report.findings.map((f) => f.severity)).toEqual(['error', 'warning', 'info']);
    expect(report).toMatchObject({
      service: 'reviews',
      namespace: 'bookinfo',
      errors: 1,
      warnings: 1,
    });
    expect(report.checks).toHaveLength(PREFLIGHT_CHECK_IDS.length);
  });
});
