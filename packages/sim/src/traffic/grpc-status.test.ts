import { describe, expect, it } from 'vitest';
import { grpcEnding, grpcStatusOfHttp, retriesGrpcStatus } from './grpc-status.js';

describe('gRPC statuses', () => {
  it.each([
    [400, 13],
    [401, 16],
    [403, 7],
    [404, 12],
    [429, 14],
    [502, 14],
    [503, 14],
    [504, 14],
    [500, 2],
    [200, 2],
  ])('maps a local reply of HTTP %i to gRPC status %i, as Envoy does', (http, grpc) => {
    expect(grpcStatusOfHttp(http)).toBe(grpc);
  });

  it('retries the gRPC statuses retry_on names, and no others', () => {
    const istioDefault = new Set(['connect-failure', 'refused-stream', 'unavailable', 'cancelled']);
    expect(retriesGrpcStatus(istioDefault, 14)).toBe(true);
    expect(retriesGrpcStatus(istioDefault, 1)).toBe(true);
    expect(retriesGrpcStatus(istioDefault, 13)).toBe(false);
    expect(retriesGrpcStatus(new Set(['internal', 'deadline-exceeded']), 13)).toBe(true);
    expect(retriesGrpcStatus(new Set(['5xx']), 14)).toBe(false);
  });

  it("ends a call with the server's status, Envoy's trailers-only reply, or nothing", () => {
    expect(grpcEnding(200, 0)).toEqual({ responseCode: 200, grpcStatus: 0 });
    expect(grpcEnding(200, 5)).toEqual({ responseCode: 200, grpcStatus: 5 });
    expect(grpcEnding(503, undefined)).toEqual({ responseCode: 200, grpcStatus: 14 });
    expect(grpcEnding(0, undefined)).toEqual({ responseCode: 0, grpcStatus: undefined });
  });
});
