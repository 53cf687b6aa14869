import { describe, expect, it } from 'vitest';
import {
  healthyContext,
  httpRouteContext,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { prometheusDataCheck } from './prometheus-data-check.js';

describe('prometheus-data', () => {
  it('passes when the service reports istio_requests_total', () => {
    expect(prometheusDataCheck.run(healthyContext())).toEqual([]);
  });

  it('warns when Prometheus has no data for the service, or only from its callers', () => {
    const none = {
      ok: true as const,
      value: {
        endpoint: 'p',
        subject: 'reviews.bookinfo.svc.cluster.local',
        checkedReporter: 'destination',
        windowMs: 300_000,
        samplesByReporter: {},
      },
    };
    expect(summary(prometheusDataCheck.run(healthyContext({ prometheus: none })))).toEqual([
      'warning prometheus-data ',
    ]);
    const callers = {
      ok: true as const,
      value: {
        endpoint: 'p',
        subject: 'reviews.bookinfo.svc.cluster.local',
        checkedReporter: 'destination',
        windowMs: 300_000,
        samplesByReporter: { source: 5 },
      },
    };
    const [finding] = prometheusDataCheck.run(healthyContext({ prometheus: callers }));
    expect(finding?.message).toContain('from its callers only');
  });

  it("through an HTTPRoute, wants the slot Services' requests as callers and gateways report them", () => {
    const facts = (samplesByReporter: Record<string, number>) => ({
      ok: true as const,
      value: {
        endpoint: 'p',
        subject: 'the slot Services reviews-blue, reviews-green',
        checkedReporter: 'source',
        windowMs: 300_000,
        samplesByReporter,
      },
    });
    expect(prometheusDataCheck.run(httpRouteContext({ prometheus: facts({ source: 9 }) }))).toEqual(
      [],
    );
    const [serverOnly] = prometheusDataCheck.run(
      httpRouteContext({ prometheus: facts({ destination: 9 }) }),
    );
    expect(serverOnly?.message).toContain(
      'for the slot Services reviews-blue, reviews-green reported by their own sidecars only',
    );
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

describe('prometheus-data in ambient', () => {
  it("wants the slot Services' requests as the waypoint reports them", () => {
    const facts = (samplesByReporter: Record<string, number>) => ({
      ok: true as const,
      value: {
        endpoint: 'p',
        subject: 'the slot Services reviews-blue, reviews-green',
        checkedReporter: 'waypoint',
        windowMs: 300_000,
        samplesByReporter,
      },
    });
    expect(
      prometheusDataCheck.run(httpRouteContext({ prometheus: facts({ waypoint: 3 }) })),
    ).toEqual([]);
    const [finding] = prometheusDataCheck.run(
      httpRouteContext({ prometheus: facts({ source: 4 }) }),
    );
    expect(finding?.message).toContain('reported by the waypoint (reporter="waypoint")');
  });
});
