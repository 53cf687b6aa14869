/**
 * What Envoy's router does once a route has picked a cluster: choose an endpoint, connect,
 * retry by the route's policy, enforce the route timeout, and set response flags. Pure:
 * the caller says what each attempt yields (`send`), this decides the rest.
 *
 * Envoy behaviours reproduced (`source/common/router/router.cc`, access log response
 * flags):
 * - A cluster without endpoints: 503 with `UH` (no healthy upstream), nothing sent.
 * - A failed connection: retried when the policy covers it; when it is the final result,
 *   503 with `UF`, plus `URX` when retries ran out.
 * - A retriable status (Istio's default: 503) is retried, and so is a gRPC response whose
 *   `grpc-status` the policy names (Istio's default: `unavailable`, `cancelled`); when
 *   retries run out the last upstream response is passed through with `URX`.
 * - A retry first waits a jittered back-off, and with the `previous_hosts` predicate
 *   reselects endpoints already tried (up to `host_selection_retry_max_attempts` picks).
 * - Endpoints are picked uniformly: Istio's default LEAST_REQUEST balancer with equal
 *   load is a random choice.
 * - When the route timeout expires, 504 with `UT`; the attempt in flight is abandoned.
 */
import type { ClusterConfig, ClusterEndpoint } from '../mesh/mesh-types.js';
import { retriesGrpcStatus } from './grpc-status.js';
import {
  retriesConnectFailure,
  retriesStatus,
  retryBackOffMs,
  type RetryPolicy,
} from './retry-policy.js';
import type { RandomSource } from './seeded-random.js';

/** What one attempt on one endpoint yielded. */
export type AttemptResult =
  | {
      /** The TCP connection (or the mTLS handshake) to the endpoint failed. */
      kind: 'connect-failure';
      /** Time until the failure was noticed, milliseconds. */
      durationMs: number;
    }
  | {
      /** The endpoint answered. */
      kind: 'response';
      /** HTTP status the endpoint sent. */
      status: number;
      /** `grpc-status` of a gRPC response; undefined for plain HTTP. */
      grpcStatus?: number | undefined;
      /** Time until the response completed, milliseconds. */
      durationMs: number;
    };

/** One attempt as it happened. */
export interface UpstreamAttempt {
  /** Endpoint tried. */
  endpoint: ClusterEndpoint;
  /** Start of the attempt, milliseconds after the request started. */
  startMs: number;
  /** What the endpoint did. */
  result: AttemptResult;
  /**
   * True when the route timeout fired while this attempt was in flight: the client proxy
   * reset the stream, so the response never reached the client.
   */
  abandoned: boolean;
}

/** Final outcome of a request forwarded to a cluster. */
export interface UpstreamOutcome {
  /** Status sent to the application. */
  status: number;
  /** The upstream's `grpc-status`, when the status came from a gRPC server. */
  grpcStatus: number | undefined;
  /** Envoy response flags: `UH`, `UF`, `UF,URX`, `URX`, `UT`, or `-`. */
  responseFlags: string;
  /** Time from the request to the response, milliseconds. */
  durationMs: number;
  /** Every attempt, in order; empty when no endpoint was available. */
  attempts: readonly UpstreamAttempt[];
  /** The last endpoint tried (Envoy's upstream host), undefined when none was. */
  upstreamEndpoint: ClusterEndpoint | undefined;
  /** True when the status came from an endpoint (not a local reply of the proxy). */
  fromUpstream: boolean;
}

/** What `forwardRequest` needs of the route. */
export interface ForwardOptions {
  /** Cluster to send to. */
  cluster: ClusterConfig;
  /** The route's retry policy; undefined: no retries. */
  retryPolicy: RetryPolicy | undefined;
  /** Route timeout in milliseconds; 0 disables it. */
  timeoutMs: number;
}

/** Forwards a request to a cluster; `send` performs one attempt on one endpoint. */
export function forwardRequest(
  options: ForwardOptions,
  send: (endpoint: ClusterEndpoint) => AttemptResult,
  random: RandomSource,
): UpstreamOutcome {
  const { cluster, retryPolicy, timeoutMs } = options;
  const endpoints = cluster.endpoints;
  if (endpoints.length === 0) {
    return {
      status: 503,
      grpcStatus: undefined,
      responseFlags: 'UH',
      durationMs: 0,
      attempts: [],
      upstreamEndpoint: undefined,
      fromUpstream: false,
    };
  }
  const maxAttempts = 1 + (retryPolicy?.numRetries ?? 0);
  const attempts: UpstreamAttempt[] = [];
  const tried = new Set<string>();
  let elapsed = 0;
  for (;;) {
    const endpoint = pickEndpoint(endpoints, tried, retryPolicy, random);
    tried.add(endpoint.ip);
    const result = send(endpoint);
    if (timeoutMs > 0 && elapsed + result.durationMs > timeoutMs) {
      attempts.push({ endpoint, startMs: elapsed, result, abandoned: true });
      return timedOut(attempts, timeoutMs, endpoint);
    }
    attempts.push({ endpoint, startMs: elapsed, result, abandoned: false });
    elapsed += result.durationMs;
    const retriable =
      retryPolicy !== undefined &&
      (result.kind === 'connect-failure'
        ? retriesConnectFailure(retryPolicy)
        : retriesStatus(retryPolicy, result.status) ||
          (result.grpcStatus !== undefined &&
            retriesGrpcStatus(retryPolicy.retryOn, result.grpcStatus)));
    const exhausted = retriable && attempts.length >= maxAttempts;
    if (!retriable || exhausted) {
      const retryFlag = exhausted ? 'URX' : '';
      if (result.kind === 'connect-failure') {
        return {
          status: 503,
          grpcStatus: undefined,
          responseFlags: retryFlag ? `UF,${retryFlag}` : 'UF',
          durationMs: elapsed,
          attempts,
          upstreamEndpoint: endpoint,
          fromUpstream: false,
        };
      }
      return {
        status: result.status,
        grpcStatus: result.grpcStatus,
        responseFlags: retryFlag || '-',
        durationMs: elapsed,
        attempts,
        upstreamEndpoint: endpoint,
        fromUpstream: true,
      };
    }
    elapsed += retryBackOffMs(retryPolicy, attempts.length, random);
    if (timeoutMs > 0 && elapsed > timeoutMs) return timedOut(attempts, timeoutMs, endpoint);
  }
}

function timedOut(
  attempts: UpstreamAttempt[],
  timeoutMs: number,
  endpoint: ClusterEndpoint,
): UpstreamOutcome {
  return {
    status: 504,
    grpcStatus: undefined,
    responseFlags: 'UT',
    durationMs: timeoutMs,
    attempts,
    upstreamEndpoint: endpoint,
    fromUpstream: false,
  };
}

function pickEndpoint(
  endpoints: readonly ClusterEndpoint[],
  tried: ReadonlySet<string>,
  policy: RetryPolicy | undefined,
  random: RandomSource,
): ClusterEndpoint {
  const selections = policy?.avoidPreviousHosts ? policy.hostSelectionMaxAttempts : 1;
  let endpoint = endpoints[Math.floor(random() * endpoints.length)] as ClusterEndpoint;
  // Envoy reselects while the predicate rejects the host, then settles for the last pick.
  for (let i = 1; i < selections && tried.has(endpoint.ip); i++) {
    endpoint = endpoints[Math.floor(random() * endpoints.length)] as ClusterEndpoint;
  }
  return endpoint;
}
