/**
 * The label set of Istio's HTTP request metrics, and how each reporter fills it. Mirrors
 * istio/proxy `source/extensions/filters/http/istio_stats/istio_stats.cc`
 * (`populatePeerInfo`, `populateFlagsAndConnectionSecurity`):
 *
 * - `reporter="source"` (client sidecar): `source_*` from its own workload;
 *   `destination_*` from the peer metadata the server's sidecar returned, else from the
 *   endpoint metadata of the upstream host (workload, namespace, canonical service and
 *   revision, cluster, but no app or version), else `unknown` (`latest` for the canonical
 *   revision). `destination_service`, `destination_service_name` and
 *   `destination_service_namespace` come from the service istiod names in the cluster's
 *   metadata (`istio.services[0]`: host, name, namespace), so they are known even when no
 *   host was reached (UH); without a cluster (NR, NC) the service is the Host header and its
 *   namespace the peer's, else `unknown`; through `PassthroughCluster` the service name reads
 *   `PassthroughCluster`. Principals are known only over mTLS. `connection_security_policy`
 *   is always `unknown`.
 * - `reporter="destination"` (server sidecar): `destination_*` from its own workload,
 *   `source_*` from the client's peer metadata; `connection_security_policy` is
 *   `mutual_tls` over mTLS, else `none`.
 * - `request_protocol="http"` and `grpc_response_status=""` for plain HTTP;
 *   `request_protocol="grpc"` and the call's `grpc-status` code (`"0"` for OK, `"14"`, ...)
 *   for gRPC, with `response_code="200"` even when the call failed (see
 *   `traffic/grpc-status.ts`); `response_flags="-"` when none.
 */
import type { WorkloadMetadata } from './workload-metadata.js';

/** Labels of `istio_requests_total` and `istio_request_duration_milliseconds`. */
export interface IstioRequestLabels {
  /** `source` (client proxy) or `destination` (server proxy). */
  reporter: 'source' | 'destination';
  /** Source workload (Deployment) name. */
  source_workload: string;
  /** Source workload namespace. */
  source_workload_namespace: string;
  /** Source SPIFFE principal, `unknown` without mTLS. */
  source_principal: string;
  /** Source `app` label. */
  source_app: string;
  /** Source version label. */
  source_version: string;
  /** Source canonical service. */
  source_canonical_service: string;
  /** Source canonical revision. */
  source_canonical_revision: string;
  /** Source cluster id. */
  source_cluster: string;
  /** Destination workload (Deployment) name. */
  destination_workload: string;
  /** Destination workload namespace. */
  destination_workload_namespace: string;
  /** Destination SPIFFE principal, `unknown` without mTLS. */
  destination_principal: string;
  /** Destination `app` label. */
  destination_app: string;
  /** Destination version label. */
  destination_version: string;
  /** Destination service FQDN (or the Host header when no cluster was found). */
  destination_service: string;
  /** Destination service short name. */
  destination_service_name: string;
  /** Destination service namespace. */
  destination_service_namespace: string;
  /** Destination canonical service. */
  destination_canonical_service: string;
  /** Destination canonical revision. */
  destination_canonical_revision: string;
  /** Destination cluster id. */
  destination_cluster: string;
  /** `http` or `grpc`. */
  request_protocol: string;
  /** HTTP status, `0` when no response was sent. */
  response_code: string;
  /** gRPC status code of a gRPC call (`"0"` is OK); `""` for plain HTTP or no response. */
  grpc_response_status: string;
  /** Envoy response flags, `-` when none. */
  response_flags: string;
  /** `mutual_tls`, `none` or `unknown`. */
  connection_security_policy: string;
}

/** Label names in exposition order. */
export const ISTIO_REQUEST_LABEL_NAMES: readonly (keyof IstioRequestLabels)[] = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_canonical_service',
  'source_canonical_revision',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
];

const UNKNOWN = 'unknown';

/** The service a request was for, as the reporting proxy knows it. */
export type ServiceIdentity =
  | {
      /** Known from the cluster's service metadata. */
      kind: 'cluster';
      /** Service FQDN, `reviews.bookinfo.svc.cluster.local`. */
      host: string;
    }
  | {
      /** No cluster: Istio falls back to the Host header for both service labels. */
      kind: 'authority';
      /** Host header value, `reviews:9080`. */
      authority: string;
    }
  | {
      /**
       * Forwarded through `PassthroughCluster`: the service is the Host header, its name
       * `PassthroughCluster`.
       */
      kind: 'passthrough';
      /** Host header value. */
      authority: string;
    };

/** What a client proxy learned about the server. */
export type UpstreamPeer =
  | {
      /** Full peer metadata from the server sidecar's metadata exchange. */
      kind: 'peer';
      metadata: WorkloadMetadata;
    }
  | {
      /** Only the EDS endpoint metadata of the host tried (no app or version). */
      kind: 'endpoint';
      metadata: WorkloadMetadata;
    };

/** Protocol fields both reporters take; absent: plain HTTP. */
export interface ProtocolReport {
  /** `grpc` for a gRPC call; undefined or `http` for plain HTTP. */
  requestProtocol?: 'http' | 'grpc' | undefined;
  /** The call's gRPC status; undefined when not gRPC or no response came. */
  grpcStatus?: number | undefined;
}

function protocolLabels(
  report: ProtocolReport,
): Pick<IstioRequestLabels, 'request_protocol' | 'grpc_response_status'> {
  const grpc = report.requestProtocol === 'grpc';
  return {
    request_protocol: grpc ? 'grpc' : 'http',
    grpc_response_status: grpc && report.grpcStatus !== undefined ? String(report.grpcStatus) : '',
  };
}

/** Inputs of the source reporter's labels. */
export interface SourceReport extends ProtocolReport {
  /** The client proxy's own workload. */
  source: WorkloadMetadata;
  /** The service. */
  service: ServiceIdentity;
  /** What is known of the server; undefined when no host was tried. */
  peer: UpstreamPeer | undefined;
  /** True when the request went over an mTLS connection. */
  mutualTls: boolean;
  /** Status sent to the client application (0 = none). */
  responseCode: number;
  /** Envoy response flags. */
  responseFlags: string;
}

/** Labels recorded by the client's sidecar. */
export function sourceReporterLabels(report: SourceReport): IstioRequestLabels {
  const { source, peer, mutualTls } = report;
  const server = peer?.metadata;
  const fullPeer = peer?.kind === 'peer' ? peer.metadata : undefined;
  const service = serviceLabels(report.service);
  return {
    reporter: 'source',
    source_workload: source.workload,
    source_workload_namespace: source.namespace,
    source_principal: mutualTls ? source.principal : UNKNOWN,
    source_app: source.app,
    source_version: source.version,
    source_canonical_service: source.canonicalService,
    source_canonical_revision: source.canonicalRevision,
    source_cluster: source.cluster,
    destination_workload: server?.workload ?? UNKNOWN,
    destination_workload_namespace: server?.namespace ?? UNKNOWN,
    destination_principal: mutualTls && server ? server.principal : UNKNOWN,
    destination_app: fullPeer?.app ?? UNKNOWN,
    destination_version: fullPeer?.version ?? UNKNOWN,
    destination_service: service.host,
    destination_service_name: service.name,
    // istio_stats: the cluster's service namespace, else the peer's.
    destination_service_namespace: service.namespace ?? server?.namespace ?? UNKNOWN,
    destination_canonical_service: server?.canonicalService ?? UNKNOWN,
    destination_canonical_revision: server?.canonicalRevision ?? 'latest',
    destination_cluster: server?.cluster ?? UNKNOWN,
    ...protocolLabels(report),
    response_code: String(report.responseCode),
    response_flags: report.responseFlags || '-',
    connection_security_policy: UNKNOWN,
  };
}

/** Inputs of the destination reporter's labels. */
export interface DestinationReport extends ProtocolReport {
  /** The server proxy's own workload. */
  destination: WorkloadMetadata;
  /** The client's workload from metadata exchange; undefined for a client without sidecar. */
  source: WorkloadMetadata | undefined;
  /** Service FQDN of the cluster the request was sent to. */
  serviceHost: string;
  /** True when the request arrived over mTLS. */
  mutualTls: boolean;
  /** Status the server sent (0 = none). */
  responseCode: number;
  /** Envoy response flags. */
  responseFlags: string;
}

/** Labels recorded by the server's sidecar. */
export function destinationReporterLabels(report: DestinationReport): IstioRequestLabels {
  const { destination, source, mutualTls } = report;
  const service = serviceLabels({ kind: 'cluster', host: report.serviceHost });
  return {
    reporter: 'destination',
    source_workload: source?.workload ?? UNKNOWN,
    source_workload_namespace: source?.namespace ?? UNKNOWN,
    source_principal: mutualTls && source ? source.principal : UNKNOWN,
    source_app: source?.app ?? UNKNOWN,
    source_version: source?.version ?? UNKNOWN,
    source_canonical_service: source?.canonicalService ?? UNKNOWN,
    source_canonical_revision: source?.canonicalRevision ?? 'latest',
    source_cluster: source?.cluster ?? UNKNOWN,
    destination_workload: destination.workload,
    destination_workload_namespace: destination.namespace,
    destination_principal: mutualTls ? destination.principal : UNKNOWN,
    destination_app: destination.app,
    destination_version: destination.version,
    destination_service: service.host,
    destination_service_name: service.name,
    destination_service_namespace: destination.namespace,
    destination_canonical_service: destination.canonicalService,
    destination_canonical_revision: destination.canonicalRevision,
    destination_cluster: destination.cluster,
    ...protocolLabels(report),
    response_code: String(report.responseCode),
    response_flags: report.responseFlags || '-',
    connection_security_policy: mutualTls ? 'mutual_tls' : 'none',
  };
}

/**
 * The service labels of a request. A cluster's metadata names its Kubernetes Service
 * (`{host, name, namespace}`), which the FQDN `<name>.<namespace>.svc.<domain>` carries.
 */
function serviceLabels(service: ServiceIdentity): {
  host: string;
  name: string;
  /** Undefined when no cluster metadata names it (the peer's namespace is used then). */
  namespace: string | undefined;
} {
  if (service.kind === 'authority')
    return { host: service.authority, name: service.authority, namespace: undefined };
  if (service.kind === 'passthrough')
    return { host: service.authority, name: 'PassthroughCluster', namespace: undefined };
  const [name = service.host, namespace, svc] = service.host.split('.');
  return { host: service.host, name, namespace: svc === 'svc' ? namespace : undefined };
}
