/**
 * What switchyard wrote, as an API recorder (`Cluster.recordApiCalls`) saw it on the wire
 * between switchyard and the API server, on either tier.
 */
import type { RecordedRequest } from '@switchyard/test-utils';

/**
 * The green weights switchyard wrote to the reviews VirtualService through the recorder,
 * in order: each accepted patch that replaced a weight, and the weight it left.
 */
export function greenWeightsWritten(
  requests: readonly RecordedRequest[],
  namespace: string,
): number[] {
  // Whichever version of the group the cluster serves (v1 or v1beta1).
  const path = new RegExp(
    `^/apis/networking\\.istio\\.io/v1[a-z0-9]*/namespaces/${namespace}/virtualservices/reviews$`,
  );
  const out: number[] = [];
  for (const request of requests) {
    if (request.method !== 'PATCH' || !path.test(request.url.split('?')[0] ?? '')) continue;
    if (request.status !== 200 || !Array.isArray(request.body)) continue;
    const ops = request.body as { op: string; path: string }[];
    if (!ops.some((op) => op.op === 'replace' && op.path.endsWith('/weight'))) continue;
    const answer = request.response as {
      spec?: {
        http?: { name?: string; route?: { destination: { subset: string }; weight?: number }[] }[];
      };
    };
    const primary = answer.spec?.http?.find((r) => r.name === 'primary');
    out.push(primary?.route?.find((d) => d.destination.subset === 'green')?.weight ?? 0);
  }
  return out;
}
