import { describe, expect, it } from 'vitest';
import {
  gateway,
  healthyContext,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { vsGatewaysCheck } from './vs-gateways-check.js';

describe('vs-gateways', () => {
  it('passes gateways that exist and select pods', () => {
    expect(vsGatewaysCheck.run(healthyContext())).toEqual([]);
  });

  it('catches a gateway that does not exist', () => {
    const missing = healthyContext({
      virtualService: (() => {
        const vs = virtualService();
        vs.spec.gateways = ['mesh', 'bookinfo-gateway', 'istio-system/public'];
        return vs;
      })(),
      gateways: {
        ok: true,
        value: new Map([
          ['bookinfo/bookinfo-gateway', gateway()],
          ['istio-system/public', undefined],
        ]),
      },
    });
    const found = vsGatewaysCheck.run(missing);
    expect(summary(found)).toEqual(['error vs-gateways spec.gateways[2]']);
    expect(found[0]?.message).toContain('istio-system/public');
  });

  it('warns about a gateway that selects no pod', () => {
    expect(
      summary(vsGatewaysCheck.run(healthyContext({ gatewayPods: { ok: true, value: [] } }))),
    ).toEqual(['warning vs-gateways spec.selector']);
  });

  it('warns about a Gateway that serves none of the VirtualService hosts (IST0132)', () => {
    const served = (hosts: string[]) => {
      const gw = gateway();
      gw.spec.servers![0]!.hosts = hosts;
      return healthyContext({
        gateways: { ok: true, value: new Map([['bookinfo/bookinfo-gateway', gw]]) },
      });
    };
    const found = vsGatewaysCheck.run(served(['shop.example.com']));
    expect(summary(found)).toEqual(['warning vs-gateways spec.gateways[1]']);
    expect(found[0]?.message).toBe(
      'Gateway bookinfo/bookinfo-gateway serves none of its hosts (reviews): requests through that gateway never meet these routes',
    );
    // A namespace-scoped server host counts only for VirtualServices in that namespace.
    expect(summary(vsGatewaysCheck.run(served(['shop/reviews'])))).toHaveLength(1);
    expect(vsGatewaysCheck.run(served(['./reviews']))).toEqual([]);
    expect(vsGatewaysCheck.run(served(['*/*']))).toEqual([]);
    expect(vsGatewaysCheck.run(served(['*']))).toEqual([]);
  });
});
