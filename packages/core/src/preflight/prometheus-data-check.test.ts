import { describe, expect, it } from 'vitest';
import { healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';
import { prometheusDataCheck } from './prometheus-data-check.js';

describe('prometheus-data', () => {
  it('passes when the service reports istio_requests_total', () => {
    expect(prometheusDataCheck.run(healthyContext())).toEqual([]);
  });

  it('warns when Prometheus has no data for the service, or only from its callers', () => {
    const none = {
      ok: true as const,
      value: { endpoint: 'p', windowMs: 300_000, samplesByReporter: {} },
    };
    expect(summary(prometheusDataCheck.run(healthyContext({ prometheus: none })))).toEqual([
      'warning prometheus-data ',
    ]);
    const callers = {
      ok: true as const,
      value: { endpoint: 'p', windowMs: 300_000, samplesByReporter: { source: 5 } },
    };
    const [finding] = prometheusDataCheck.run(healthyContext({ prometheus: callers }));
    expect(finding?.message).toContain('from its callers only');
  });

  it('warns when Prometheus cannot be queried, and notes a spec without checks', () => {
    expect(
      summary(
        prometheusDataCheck.run(
          healthyContext({ prometheus: { ok: false, error: 'connection refused' } }),
        ),
      ),
    ).toEqual(['warning prometheus-data ']);
    expect(summary(prometheusDataCheck.run(healthyContext({ prometheus: undefined })))).toEqual([
      'info prometheus-data ',
    ]);
  });
});
