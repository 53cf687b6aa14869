/**
 * Istio's request labels, as the sequential checks read them: which slot served a request
 * (`destination_workload`, on the destination-side reports the built-in checks use) and
 * whether it failed.
 *
 * A request failed when it was answered with a 5xx or, for gRPC, with a non-OK status: the
 * rule of the built-in success rate, read from the same patterns its PromQL matchers are
 * built from (`FAILED_REQUEST_PATTERNS` in `spec/check-types.ts`), anchored as Prometheus
 * anchors them. A failing gRPC call is reported with `response_code="200"` and its status in
 * `grpc_response_status`, so the response code alone would miss it.
 */
import { FAILED_REQUEST_PATTERNS } from '../spec/check-types.js';
import type { SeriesLabels, SlotOf } from './slot-increments.js';

/** A PromQL regular expression as Prometheus applies it: anchored at both ends. */
const anchored = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

const SERVER_ERROR = anchored(FAILED_REQUEST_PATTERNS.responseCode);
const GRPC_NOT_OK = anchored(FAILED_REQUEST_PATTERNS.grpcStatus);

/** Whether the requests of a series failed (5xx, or a non-OK gRPC status). */
export function isFailedRequest(labels: SeriesLabels): boolean {
  return (
    SERVER_ERROR.test(labels['response_code'] ?? '') ||
    GRPC_NOT_OK.test(labels['grpc_response_status'] ?? '')
  );
}

/** The slots by Deployment name, read from `label` (default `destination_workload`). */
export function slotByWorkload(
  workloads: { readonly canary: string; readonly stable: string },
  label = 'destination_workload',
): SlotOf {
  return (labels) => {
    const workload = labels[label];
    if (workload === workloads.canary) return 'canary';
    if (workload === workloads.stable) return 'stable';
    return undefined;
  };
}
