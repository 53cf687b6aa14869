import { describe, expect, it } from 'vitest';
import {
  destinationRule,
  healthyContext,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { targetObjectsCheck } from './target-objects-check.js';

describe('target-objects', () => {
  it('passes when every object exists and the routes are manageable', () => {
    expect(targetObjectsCheck.run(healthyContext())).toEqual([]);
    expect(targetObjectsCheck.doctorOnly).toBe(true);
  });

  it('reports each missing object', () => {
    const findings = targetObjectsCheck.run(
      healthyContext({
        service: undefined,
        virtualService: undefined,
        destinationRule: undefined,
        deployments: { blue: undefined, green: undefined },
      }),
    );
    expect(findings.map((f) => `${f.object.kind} ${f.object.name}`)).toEqual([
      'Service reviews',
      'VirtualService reviews',
      'DestinationRule reviews',
      'Deployment reviews-blue',
    ]);
  });

  it('reports routes switchyard cannot manage, with the refusal and its hint', () => {
    const vs = virtualService();
    vs.spec.http![0]!.route![0]!.destination.host = 'ratings';
    const findings = targetObjectsCheck.run(healthyContext({ virtualService: vs }));
    expect(summary(findings)).toEqual(['error target-objects spec.http']);
    expect(findings[0]?.message).toContain('also sends traffic to ratings');
    expect(findings[0]?.message).not.toContain('VirtualService bookinfo/reviews:');
    expect(findings[0]?.fix).toMatch(/^Split it so one route/);
  });

  it('reports a DestinationRule for another host', () => {
    const dr = destinationRule();
    dr.spec.host = 'reviewz';
    const findings = targetObjectsCheck.run(healthyContext({ destinationRule: dr }));
    expect(summary(findings)).toEqual(['error target-objects spec.host']);
    expect(findings[0]?.message).toBe(
      'is for host reviewz.bookinfo.svc.cluster.local, not reviews.bookinfo.svc.cluster.local: its subsets apply to no request for the Service, and deploy refuses to add the slot subsets to it',
    );
  });
});
