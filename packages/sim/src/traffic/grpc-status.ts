/**
 * gRPC over Envoy, for the parts the metrics show. A gRPC call always ends with HTTP 200 and
 * a `grpc-status` (0 is OK): the server's own, or, when Envoy answers the call itself (no
 * healthy upstream, connection failure, timeout, no route), a trailers-only local reply with
 * HTTP 200 and the status Envoy derives from the HTTP code it would have sent
 * (`Grpc::Utility::httpToGrpcStatus`, `Http::Utility::encodeLocalReply`). Envoy's stream
 * info records that 200 as the response code (envoyproxy/envoy#29052), so Istio counts a
 * failed call as `response_code="200"` with `grpc_response_status` set, e.g. `"14"`.
 */

/** `google.rpc.Code` values named in Envoy's `retry_on` (x-envoy-retry-grpc-on). */
const GRPC_RETRY_ON: Readonly<Record<string, number>> = Object.freeze({
  cancelled: 1,
  'deadline-exceeded': 4,
  'resource-exhausted': 8,
  internal: 13,
  unavailable: 14,
});

/** UNKNOWN, what Envoy uses for an HTTP status without a closer gRPC equivalent. */
const UNKNOWN = 2;

/** The gRPC status Envoy puts on a local reply it would have sent as `httpStatus`. */
export function grpcStatusOfHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return UNKNOWN;
  }
}

/** Whether a `retry_on` list retries a response carrying this gRPC status. */
export function retriesGrpcStatus(retryOn: ReadonlySet<string>, grpcStatus: number): boolean {
  for (const [condition, code] of Object.entries(GRPC_RETRY_ON))
    if (code === grpcStatus && retryOn.has(condition)) return true;
  return false;
}

/** What the client application and Istio's metrics see of a gRPC call's ending. */
export interface GrpcEnding {
  /** HTTP status: 200, or 0 when no response came at all. */
  responseCode: number;
  /** gRPC status; undefined when no response came. */
  grpcStatus: number | undefined;
}

/**
 * The ending of a gRPC call from the HTTP-level outcome: the server's status when it
 * answered, else Envoy's local reply (200 + the status derived from `httpStatus`).
 */
export function grpcEnding(httpStatus: number, serverGrpcStatus: number | undefined): GrpcEnding {
  if (serverGrpcStatus !== undefined)
    return { responseCode: httpStatus, grpcStatus: serverGrpcStatus };
  if (httpStatus === 0) return { responseCode: 0, grpcStatus: undefined };
  return { responseCode: 200, grpcStatus: grpcStatusOfHttp(httpStatus) };
}
