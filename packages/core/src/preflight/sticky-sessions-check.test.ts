import { describe, expect, it } from 'vitest';
import { healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';
import { stickySessionsCheck } from './sticky-sessions-check.js';

function withPolicies(
  trafficPolicy: Record<string, unknown> | undefined,
  subsetPolicy?: Record<string, unknown>,
) {
  const context = healthyContext();
  const rule = context.destinationRule!;
  return healthyContext({
    destinationRule: {
      ...rule,
      spec: {
        ...rule.spec,
        trafficPolicy,
        subsets: (rule.spec.subsets ?? []).map((subset, index) =>
          index === 1 && subsetPolicy ? { ...subset, trafficPolicy: subsetPolicy } : subset,
        ),
      },
    },
  });
}

describe('sticky-sessions', () => {
  it('passes a DestinationRule without session affinity', () => {
    expect(stickySessionsCheck.run(healthyContext())).toEqual([]);
    expect(
      stickySessionsCheck.run(withPolicies({ loadBalancer: { simple: 'LEAST_REQUEST' } })),
    ).toEqual([]);
  });

  it('warns about consistent hashing on the rule, a port, or a slot subset, naming the key', () => {
    const findings = stickySessionsCheck.run(
      withPolicies(
        {
          loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '0s' } } },
          portLevelSettings: [
            { port: { number: 9080 }, loadBalancer: { consistentHash: { useSourceIp: true } } },
          ],
        },
        { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
      ),
    );
    expect(summary(findings)).toEqual([
      'warning sticky-sessions spec.trafficPolicy.loadBalancer.consistentHash',
      'warning sticky-sessions spec.trafficPolicy.portLevelSettings[0].loadBalancer.consistentHash',
      'warning sticky-sessions spec.subsets[1].trafficPolicy.loadBalancer.consistentHash',
    ]);
    expect(findings.map((f) => f.message.split(':')[0])).toEqual([
      'session affinity by the cookie "session"',
      "session affinity by the client's source IP",
      'session affinity by the header "x-user"',
    ]);
    expect(findings[0]?.message).toContain('sequential checks');
    expect(findings[0]?.object).toEqual({
      kind: 'DestinationRule',
      namespace: 'bookinfo',
      name: 'reviews',
    });
  });
});
