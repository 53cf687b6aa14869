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
});
