/**
 * The protocol Istio assigns to a Kubernetes Service port (istio.md section 6, Istio
 * `pkg/config/kube/conversion.go` and `pkg/config/protocol`): `appProtocol` wins, otherwise
 * the port name before the first `-`. A name Istio does not recognise leaves the protocol
 * unknown, and sidecars sniff it: such ports still get HTTP routes.
 */

/** Protocols Istio distinguishes for routing. `unsupported` means "sniffed". */
export type ServicePortProtocol =
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
  | 'unsupported';

const KNOWN: Record<string, ServicePortProtocol> = {
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
  // Kubernetes standard application protocols.
  'kubernetes.io/h2c': 'http2',
  'kubernetes.io/ws': 'http',
  'kubernetes.io/wss': 'https',
};

/** The fields of a Service port that decide its protocol. */
export interface ServicePortProtocolFields {
  name?: string | undefined;
  protocol?: string | undefined;
  appProtocol?: string | undefined;
}

/** Resolves the Istio protocol of a Service port. */
export function resolveServicePortProtocol(port: ServicePortProtocolFields): ServicePortProtocol {
  if (port.protocol?.toUpperCase() === 'UDP') return 'udp';
  if (port.appProtocol) {
    const fromAppProtocol = KNOWN[port.appProtocol.toLowerCase()];
    if (fromAppProtocol) return fromAppProtocol;
  }
  const name = (port.name ?? '').toLowerCase();
  if (name === '') return 'unsupported';
  const whole = KNOWN[name];
  if (whole) return whole;
  const prefix = name.split('-')[0] ?? '';
  return KNOWN[prefix] ?? 'unsupported';
}

/**
 * Istio's `IsHTTPOrSniffed`: ports whose traffic goes through the HTTP connection manager
 * and therefore VirtualService `http` routes. TCP, TLS, HTTPS (passthrough), databases and
 * UDP ports ignore them.
 */
export function carriesHttpRoutes(protocol: ServicePortProtocol): boolean {
  return (
    protocol === 'http' ||
    protocol === 'http2' ||
    protocol === 'grpc' ||
    protocol === 'grpc-web' ||
    protocol === 'unsupported'
  );
}
