/**
 * Istio's request labels, as the sequential checks read them: which slot served a request
 * (`destination_workload`, on the destination-side reports the built-in checks use) and
 * whether it failed.
 *
 * A request failed when it was answered with a 5xx or, for gRPC, with a non-OK status: the
 * same rule as the built-in success rate (`spec/check-types.ts`, whose PromQL matchers are
 * `response_code!~"5.*"` and `grpc_response_status!~"[1-9][0-9]*"`, anchored as Prometheus
 * anchors them). A failing gRPC call is reported with `response_code="200"` and its status
 * in `grpc_response_status`, so the response code alone would miss it.
 */
import type { SeriesLabels, SlotOf } from './slot-increments.js';

const SERVER_ERROR = /^5/;
const GRPC_NOT_OK = /^[1-9][0-9]*$/;

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
