import { describe, expect, it } from 'vitest';
import {
  healthyContext,
  peerAuthentication,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { mtlsMismatchCheck, serverMode } from './mtls-mismatch-check.js';

describe('mtls-mismatch', () => {
  it('follows Istio precedence: workload port, workload, namespace, mesh, PERMISSIVE', () => {
    const pas = [
      peerAuthentication('mesh', 'istio-system', { mtls: { mode: 'STRICT' } }),
      peerAuthentication('ns', 'bookinfo', { mtls: { mode: 'UNSET' } }),
      peerAuthentication('green', 'bookinfo', {
        selector: { matchLabels: { version: 'green' } },
        mtls: { mode: 'PERMISSIVE' },
        portLevelMtls: { '9080': { mode: 'DISABLE' } },
      }),
    ];
    expect(serverMode(pas, 'bookinfo', 'istio-system', { version: 'blue' }, 9080).mode).toBe(
      'STRICT',
    );
    expect(serverMode(pas, 'bookinfo', 'istio-system', { version: 'green' }, 9080).mode).toBe(
      'DISABLE',
    );
    expect(serverMode(pas, 'bookinfo', 'istio-system', { version: 'green' }, 9090).mode).toBe(
      'PERMISSIVE',
    );
    expect(serverMode([], 'bookinfo', 'istio-system', {}, 9080).mode).toBe('PERMISSIVE');
  });

  it('passes STRICT with auto mTLS or ISTIO_MUTUAL', () => {
    const strict = {
      ok: true as const,
      value: [peerAuthentication('default', 'bookinfo', { mtls: { mode: 'STRICT' } })],
    };
    expect(mtlsMismatchCheck.run(healthyContext({ peerAuthentications: strict }))).toEqual([]);
    const context = healthyContext({ peerAuthentications: strict });
    context.destinationRule!.spec.trafficPolicy = { tls: { mode: 'ISTIO_MUTUAL' } };
    expect(mtlsMismatchCheck.run(context)).toEqual([]);
  });

  it('catches STRICT against a DestinationRule that disables TLS', () => {
    const context = healthyContext({
      peerAuthentications: {
        ok: true,
        value: [peerAuthentication('default', 'bookinfo', { mtls: { mode: 'STRICT' } })],
      },
    });
    context.destinationRule!.spec.trafficPolicy = { tls: { mode: 'DISABLE' } };
    const findings = mtlsMismatchCheck.run(context);
    expect(summary(findings)).toEqual(['error mtls-mismatch spec.trafficPolicy.tls.mode']);
    expect(findings[0]?.message).toMatch(/^both slots: clients send plaintext to port 9080/);
    expect(findings[0]?.message).toContain('PeerAuthentication bookinfo/default sets STRICT');
  });

  it('catches ISTIO_MUTUAL on one subset against a workload PeerAuthentication that disables mTLS', () => {
    const context = healthyContext({
      peerAuthentications: {
        ok: true,
        value: [
          peerAuthentication('green-plain', 'bookinfo', {
            selector: { matchLabels: { version: 'green' } },
            mtls: { mode: 'DISABLE' },
          }),
        ],
      },
    });
    context.destinationRule!.spec.subsets![1]!.trafficPolicy = { tls: { mode: 'ISTIO_MUTUAL' } };
    const findings = mtlsMismatchCheck.run(context);
    expect(summary(findings)).toEqual([
      'error mtls-mismatch spec.subsets[1].trafficPolicy.tls.mode',
    ]);
    expect(findings[0]?.message).toMatch(/^the green slot: clients send Istio mTLS/);
  });
});
