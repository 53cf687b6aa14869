import { describe, expect, it } from 'vitest';
import type { VirtualService } from '../istio/types.js';
import {
  healthyContext,
  proxyStatus,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { vsVisibilityCheck } from './vs-visibility-check.js';
function withVs(edit: (vs: VirtualService) => void) {
  const vs = virtualService();
  edit(vs);
  return healthyContext({ virtualService: vs, virtualServices: { ok: true, value: [vs] } });
}

describe('vs-visibility', () => {
  it('passes a VirtualService visible everywhere', () => {
    expect(vsVisibilityCheck.run(healthyContext())).toEqual([]);
  });

  it("catches exportTo that hides it from the gateway's namespace and warns about callers", () => {
    const context = withVs((vs) => (vs.spec.exportTo = ['.']));
    const findings = vsVisibilityCheck.run({
      ...context,
      proxies: {
        ok: true,
        value: {
          proxies: [proxyStatus('ratings-1.ratings'), proxyStatus('productpage-1.bookinfo')],
          replicas: ['istiod-a'],
          unanswered: [],
        },
      },
    });
    expect(summary(findings)).toEqual([
      'error vs-visibility spec.exportTo',
      'warning vs-visibility spec.exportTo',
    ]);
    expect(findings[0]?.message).toContain('istio-system');
    expect(findings[1]?.message).toContain('ratings');
  });

  it('passes exportTo that includes the gateway namespace', () => {
    const context = withVs((vs) => (vs.spec.exportTo = ['.', 'istio-system']));
    expect(vsVisibilityCheck.run(context)).toEqual([]);
  });

  it('catches a delegate no root delegates to, and passes one a root uses', () => {
    const delegate = virtualService();
    delete delegate.spec.hosts;
    delete delegate.spec.gateways;
    const lonely = healthyContext({
      virtualService: delegate,
      virtualServices: { ok: true, value: [delegate] },
    });
    expect(summary(vsVisibilityCheck.run(lonely))).toEqual(['error vs-visibility spec.hosts']);
    const root: VirtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'root', namespace: 'frontend' },
      spec: {
        hosts: ['shop.example.com'],
        http: [{ delegate: { name: 'reviews', namespace: 'bookinfo' } }],
      },
    };
    expect(
      vsVisibilityCheck.run(
        healthyContext({
          virtualService: delegate,
          virtualServices: { ok: true, value: [delegate, root] },
        }),
      ),
    ).toEqual([]);
    delegate.spec.exportTo = ['.'];
    expect(
      summary(
        vsVisibilityCheck.run(
          healthyContext({
            virtualService: delegate,
            virtualServices: { ok: true, value: [delegate, root] },
          }),
        ),
      ),
    ).toEqual(['error vs-visibility spec.exportTo']);
  });
});
