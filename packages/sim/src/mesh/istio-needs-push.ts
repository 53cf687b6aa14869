/**
 * istiod's filter on config events (pilot/pkg/bootstrap `needsPush`): a change to an Istio
 * config object pushes only when its spec changed, or when a label or annotation key of the
 * old or new object contains `istio.io`. Metadata-only changes, like switchyard's own
 * release-record annotation, push nothing; a simulator that pushed on them would let a
 * sync gate be satisfied by a push that carried no route change.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../store/object-store.js';

function mentionsIstio(keys: Record<string, string> | undefined): boolean {
  return Object.keys(keys ?? {}).some((key) => key.includes('istio.io'));
}

/** Whether a MODIFIED event of an Istio config object makes istiod push. */
export function istioConfigNeedsPush(
  previous: Readonly<KubeObject>,
  current: Readonly<KubeObject>,
): boolean {
  for (const object of [current, previous]) {
    if (mentionsIstio(object.metadata.labels) || mentionsIstio(object.metadata.annotations))
      return true;
  }
  return !isDeepStrictEqual(previous.spec, current.spec);
}
