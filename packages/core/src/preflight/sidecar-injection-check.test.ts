import { describe, expect, it } from 'vitest';
import {
  deployment,
  healthyContext,
  pod,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { sidecarInjectionCheck } from './sidecar-injection-check.js';

function namespaceLabels(labels: Record<string, string>) {
  return {
    namespace: {
      ok: true as const,
      value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels } },
    },
  };
}

describe('sidecar-injection', () => {
  it('passes an injected namespace whose pods run istio-proxy', () => {
    expect(sidecarInjectionCheck.run(healthyContext())).toEqual([]);
    expect(
      sidecarInjectionCheck.run(healthyContext(namespaceLabels({ 'istio.io/rev': 'canary' }))),
    ).toEqual([]);
  });

  it('catches a namespace with injection disabled', () => {
    const findings = sidecarInjectionCheck.run(
      healthyContext(namespaceLabels({ 'istio-injection': 'disabled' })),
    );
    expect(summary(findings)).toEqual(['error sidecar-injection metadata.labels.istio-injection']);
    expect(findings[0]?.object).toEqual({ kind: 'Namespace', name: 'bookinfo' });
  });

  it('catches a namespace without injection whose pods do not opt in', () => {
    expect(summary(sidecarInjectionCheck.run(healthyContext(namespaceLabels({}))))).toEqual([
      'error sidecar-injection spec.template.metadata.labels',
      'error sidecar-injection spec.template.metadata.labels',
    ]);
  });

  it('catches a slot that opts out, and live pods without the sidecar', () => {
    const green = deployment('green', 1);
    green.spec.template.metadata = {
      labels: { app: 'reviews', version: 'green', 'sidecar.istio.io/inject': 'false' },
    };
    const bare = pod('reviews-blue-1', { app: 'reviews', version: 'blue' });
    bare.spec = { containers: [{ name: 'reviews' }] };
    const findings = sidecarInjectionCheck.run(
      healthyContext({
        deployments: { blue: deployment('blue', 1), green },
        pods: { ok: true, value: [bare] },
      }),
    );
    expect(summary(findings)).toEqual([
      'error sidecar-injection spec.containers',
      'error sidecar-injection spec.template.metadata.labels["sidecar.istio.io/inject"]',
    ]);
    expect(findings[0]?.object).toEqual({
      kind: 'Pod',
      namespace: 'bookinfo',
      name: 'reviews-blue-1',
    });
  });

  it('accepts a native sidecar (istio-proxy as an init container)', () => {
    const native = pod('reviews-blue-1', { app: 'reviews', version: 'blue' });
    native.spec = { containers: [{ name: 'reviews' }], initContainers: [{ name: 'istio-proxy' }] };
    expect(
      sidecarInjectionCheck.run(healthyContext({ pods: { ok: true, value: [native] } })),
    ).toEqual([]);
  });

  it("catches a slot whose application runs as the sidecar's UID 1337 (IST0144), not the proxy itself", () => {
    const green = deployment('green', 0);
    green.spec.template.spec = {
      securityContext: { runAsUser: 1337 },
      containers: [
        { name: 'reviews', securityContext: { runAsUser: 1337 } },
        { name: 'istio-proxy', securityContext: { runAsUser: 1337 } },
      ],
    };
    const blue = deployment('blue', 1);
    blue.spec.template.spec = {
      securityContext: { runAsUser: 1000 },
      containers: [{ name: 'reviews', securityContext: { runAsUser: 1001 } }],
    };
    const findings = sidecarInjectionCheck.run(healthyContext({ deployments: { blue, green } }));
    expect(summary(findings)).toEqual([
      'error sidecar-injection spec.template.spec.securityContext.runAsUser',
      'error sidecar-injection spec.template.spec.containers[0].securityContext.runAsUser',
    ]);
    expect(findings[0]?.object).toEqual({
      kind: 'Deployment',
      namespace: 'bookinfo',
      name: 'reviews-green',
    });
    expect(findings[0]?.message).toContain(
      "the green slot's pods run as UID 1337, the sidecar's own",
    );
  });

  it('says when it could not read the namespace', () => {
    expect(
      summary(
        sidecarInjectionCheck.run(healthyContext({ namespace: { ok: false, error: 'forbidden' } })),
      ),
    ).toEqual(['info sidecar-injection ']);
  });
});
