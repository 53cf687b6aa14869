import { describe, expect, it } from 'vitest';
import {
  healthyContext,
  NOW,
  proxyStatus,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { proxySyncCheck } from './proxy-sync-check.js';
function proxies(list: ReturnType<typeof proxyStatus>[]) {
  return {
    proxies: {
      ok: true as const,
      value: { proxies: list, replicas: ['istiod-a'], unanswered: [] },
    },
  };
}

describe('proxy-sync', () => {
  it('passes when every proxy in scope is synced', () => {
    expect(proxySyncCheck.run(healthyContext())).toEqual([]);
  });

  it('passes a synced waypoint, which is never sent RDS', () => {
    expect(
      proxySyncCheck.run(
        healthyContext(proxies([proxyStatus('waypoint-1.bookinfo', { type: 'waypoint' })])),
      ),
    ).toEqual([]);
    const stale = proxySyncCheck.run(
      healthyContext(
        proxies([
          proxyStatus('waypoint-1.bookinfo', {
            type: 'waypoint',
            state: 'STALE',
            sentAt: NOW - 400_000,
          }),
        ]),
      ),
    );
    expect(summary(stale)).toEqual(['error proxy-sync xds CDS, LDS, EDS']);
  });

  it('names the slowest of the proxies stale beyond the sync timeout (an error at ratio 1)', () => {
    const findings = proxySyncCheck.run(
      healthyContext(
        proxies([
          proxyStatus('productpage-1.bookinfo', { state: 'STALE', sentAt: NOW - 200_000 }),
          proxyStatus('ratings-1.bookinfo', {
            state: 'STALE',
            sentAt: NOW - 400_000,
            istiod: 'istiod-b',
          }),
          proxyStatus('details-1.bookinfo'),
        ]),
      ),
    );
    expect(summary(findings)).toEqual(['error proxy-sync xds CDS, LDS, EDS, RDS']);
    expect(findings[0]?.object).toEqual({ kind: 'Pod', namespace: 'bookinfo', name: 'ratings-1' });
    expect(findings[0]?.message).toMatch(
      /^2 of 3 proxies .*slowest first: ratings-1\.bookinfo \(istiod istiod-b\): CDS, LDS, EDS, RDS STALE for 400s; productpage-1/,
    );
  });

  it('only warns when the ratio can still be met, and about proxies lagging or rejecting', () => {
    const findings = proxySyncCheck.run(
      healthyContext(
        proxies([
          proxyStatus('productpage-1.bookinfo', { state: 'STALE', sentAt: NOW - 200_000 }),
          proxyStatus('ratings-1.bookinfo', { state: 'STALE', sentAt: NOW - 20_000 }),
          proxyStatus('ratings-2.bookinfo', { state: 'STALE', sentAt: NOW - 2_000 }),
          proxyStatus('details-1.bookinfo', { state: 'ERROR', lastError: 'unknown field' }),
          proxyStatus('details-2.bookinfo'),
        ]),
        { sync: { requiredRatio: 0.7 } },
      ),
    );
    expect(summary(findings).map((s) => s.split(' ')[0])).toEqual([
      'warning',
      'warning',
      'warning',
    ]);
    expect(findings[1]?.message).toContain(
      'details-1.bookinfo (istiod istiod-a): CDS, LDS, EDS, RDS ERROR (unknown field)',
    );
    // A push acked within seconds is propagation in progress: only ratings-1 is lagging.
    expect(findings[2]?.message).toMatch(/^1 of 5 proxies have not acked a push for more than 10s/);
    expect(findings[2]?.message).toContain('ratings-1.bookinfo');
    expect(findings[2]?.message).not.toContain('ratings-2.bookinfo');
  });

  it('is an error when no istiod answers, and warns when no proxy is connected', () => {
    expect(
      summary(
        proxySyncCheck.run(
          healthyContext({ proxies: { ok: false, error: 'no istiod replica found' } }),
        ),
      ),
    ).toEqual(['error proxy-sync ']);
    expect(summary(proxySyncCheck.run(healthyContext(proxies([]))))).toEqual([
      'warning proxy-sync ',
    ]);
  });

  it("points at istiod's refusal and at port-forward when syncz comes from sync.istiod.url", () => {
    const [finding] = proxySyncCheck.run(
      healthyContext(
        { proxies: { ok: false, error: 'istiod:15014: GET ... answered 403: ...' } },
        { sync: { istiod: { url: 'http://istiod.istio-system:15014', tokenEnv: 'TOKEN' } } },
      ),
    );
    expect(finding?.message).toContain('answered 403');
    expect(finding?.fix).toBe(
      'do what the message says istiod wants (sync.istiod.url, tokenFile, tokenEnv), or leave sync.istiod.url unset to port-forward to every istiod',
    );
  });
});
