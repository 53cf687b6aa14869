/**
 * `port-protocol`: each Service port's protocol as Istio decides it
 * (docs/reference/istio.md §6; Istio `pkg/config/kube/conversion.go`): `appProtocol` when
 * set, else the port name up to its first `-`. A port that resolves to TCP, TLS or another
 * non-HTTP protocol ignores the VirtualService's `http` routes: no weights, no header route,
 * no HTTP metrics. A name Istio does not recognise (`web`, none at all) leaves the protocol
 * to sniffing: HTTP/1.1 and h2c are usually detected, but nothing guarantees it.
 */
import type { ServicePort } from '../kube/kube-types.js';
import type { Finding } from './finding.js';
import { managedRoutesOf } from './route-facts.js';
import { serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'port-protocol';

/** Istio's protocol of a Service port: a known name, or `unknown` when it sniffs. */
export type IstioPortProtocol =
  | 'http'
  | 'http2'
  | 'grpc'
  | 'grpc-web'
  | 'https'
  | 'tls'
  | 'tcp'
  | 'udp'
  | 'mongo'
  | 'mysql'
  | 'redis'
  | 'thrift'
  | 'unknown';

const PROTOCOLS: Readonly<Record<string, IstioPortProtocol>> = {
  http: 'http',
  http2: 'http2',
  grpc: 'grpc',
  'grpc-web': 'grpc-web',
  https: 'https',
  tls: 'tls',
  tcp: 'tcp',
  udp: 'udp',
  mongo: 'mongo',
  mysql: 'mysql',
  redis: 'redis',
  thrift: 'thrift',
};

/** Ports whose traffic goes through Envoy's HTTP connection manager, and so `http` routes. */
const HTTP: ReadonlySet<IstioPortProtocol> = new Set(['http', 'http2', 'grpc', 'grpc-web']);

/** The protocol Istio gives a Service port, and what decided it. */
export function istioPortProtocol(port: ServicePort): {
  protocol: IstioPortProtocol;
  from: 'protocol' | 'appProtocol' | 'name' | 'nothing';
} {
  if (port.protocol?.toUpperCase() === 'UDP') return { protocol: 'udp', from: 'protocol' };
  if (port.appProtocol) {
    // Kubernetes' standard application protocols; any other value is read like a port name.
    const standard: Record<string, IstioPortProtocol> = {
      'kubernetes.io/h2c': 'http2',
      'kubernetes.io/ws': 'http',
      'kubernetes.io/wss': 'https',
    };
    const name = port.appProtocol.toLowerCase();
    return { protocol: standard[name] ?? byName(name), from: 'appProtocol' };
  }
  if (!port.name) return { protocol: 'unknown', from: 'nothing' };
  return { protocol: byName(port.name.toLowerCase()), from: 'name' };
}

function byName(name: string): IstioPortProtocol {
  if (name.startsWith('grpc-web')) return 'grpc-web';
  return PROTOCOLS[name.split('-')[0] ?? ''] ?? 'unknown';
}

/** The check. */
export const portProtocolCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: 'Service ports are named by protocol (http, http-*, grpc-*) or set appProtocol',
  needs: [],
  run(context) {
    const ports = context.service?.spec?.ports ?? [];
    // The ports the managed routes send to; none named means every port of the host.
    const targeted = new Set<number>();
    for (const managed of managedRoutesOf(context)?.routes ?? [])
      for (const entry of managed.route.route ?? [])
        if (typeof entry.destination.port?.number === 'number')
          targeted.add(entry.destination.port.number);
    const findings: Finding[] = [];
    ports.forEach((port, index) => {
      const { protocol, from } = istioPortProtocol(port);
      if (HTTP.has(protocol) || protocol === 'udp') return;
      const routed = targeted.size === 0 || targeted.has(port.port);
      const field =
        from === 'appProtocol' ? `spec.ports[${index}].appProtocol` : `spec.ports[${index}].name`;
      const fix = `name the port "http" (or "http-<suffix>", "grpc-<suffix>"), or set appProtocol: http`;
      const label = port.name
        ? `port ${port.port} ("${port.name}")`
        : `port ${port.port} (unnamed)`;
      if (protocol === 'unknown') {
        findings.push({
          id: ID,
          severity: routed ? 'warning' : 'info',
          object: serviceRef(context),
          field,
          message:
            `${label} does not name its protocol${from === 'appProtocol' ? ` (appProtocol "${port.appProtocol}" is not one Istio knows)` : ''}: ` +
            'Istio detects it by sniffing each connection, and routes, header matches and HTTP metrics apply only when it detects HTTP',
          fix,
        });
        return;
      }
      findings.push({
        id: ID,
        severity: routed ? 'error' : 'info',
        object: serviceRef(context),
        field,
        message:
          `${label} resolves to ${protocol.toUpperCase()} (from its ${from === 'appProtocol' ? 'appProtocol' : 'name'}): ` +
          `Istio ignores HTTP routes on it, so the weights, the pre-release header route and HTTP metrics do not apply${routed ? '' : ' (the managed routes do not use it)'}`,
        fix,
      });
    });
    return findings;
  },
};
