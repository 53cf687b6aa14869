import { describe, expect, it } from 'vitest';
import { healthyContext, summary } from './__fixtures__/preflight-context-fixtures.js';
import { istioPortProtocol, portProtocolCheck } from './port-protocol-check.js';

function withPorts(ports: object[]) {
  const context = healthyContext();
  return healthyContext({
    service: { ...context.service!, spec: { ...context.service!.spec, ports: ports as never } },
  });
}

describe('port-protocol', () => {
  it('passes a port named http', () => {
    expect(portProtocolCheck.run(healthyContext())).toEqual([]);
  });

  it('resolves protocols as Istio does: appProtocol first, then the name prefix', () => {
    expect(istioPortProtocol({ port: 1, name: 'http-web' }).protocol).toBe('http');
    expect(istioPortProtocol({ port: 1, name: 'grpc-web-x' }).protocol).toBe('grpc-web');
    expect(istioPortProtocol({ port: 1, name: 'tcp', appProtocol: 'http' }).protocol).toBe('http');
    expect(
      istioPortProtocol({ port: 1, name: 'http', appProtocol: 'kubernetes.io/h2c' }).protocol,
    ).toBe('http2');
    expect(istioPortProtocol({ port: 1, name: 'web' }).protocol).toBe('unknown');
    expect(istioPortProtocol({ port: 1 }).from).toBe('nothing');
    expect(istioPortProtocol({ port: 1, name: 'dns', protocol: 'UDP' }).protocol).toBe('udp');
  });

  it('is an error when the routed port resolves to TCP', () => {
    const findings = portProtocolCheck.run(
      withPorts([{ name: 'tcp', port: 9080, targetPort: 9080 }]),
    );
    expect(summary(findings)).toEqual(['error port-protocol spec.ports[0].name']);
    expect(findings[0]?.object).toEqual({
      kind: 'Service',
      namespace: 'bookinfo',
      name: 'reviews',
    });
    expect(findings[0]?.message).toContain('resolves to TCP');
    expect(findings[0]?.fix).toContain('appProtocol: http');
  });

  it('warns when the name leaves the protocol to sniffing', () => {
    expect(summary(portProtocolCheck.run(withPorts([{ name: 'web', port: 9080 }])))).toEqual([
      'warning port-protocol spec.ports[0].name',
    ]);
    expect(summary(portProtocolCheck.run(withPorts([{ port: 9080 }])))).toEqual([
      'warning port-protocol spec.ports[0].name',
    ]);
  });

  it('only notes a non-HTTP port the managed routes do not use', () => {
    const context = withPorts([
      { name: 'http', port: 9080 },
      { name: 'tcp-metrics', port: 9090 },
    ]);
    const vs = context.virtualService!;
    for (const entry of vs.spec.http![0]!.route!) entry.destination.port = { number: 9080 };
    expect(summary(portProtocolCheck.run(context))).toEqual([
      'info port-protocol spec.ports[1].name',
    ]);
  });
});
