/**
 * The one fixture every cluster starts from, on both tiers: the bookinfo manifests of
 * examples/bookinfo plus the release-tester workload, moved into a namespace, with its
 * traffic (productpage calling reviews, release-tester with the pre-release header), the
 * images tests deploy, and check settings sized for a 1 s scrape interval.
 */
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { TrafficClient } from './control-api.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Directory of the bookinfo manifests (examples/bookinfo). */
export const BOOKINFO_MANIFESTS = join(ROOT, 'examples', 'bookinfo');

/** The client workload that sends the pre-release header (a pod on both tiers). */
const RELEASE_TESTER = join(ROOT, 'testbed', 'scenarios', 'release-tester.yaml');

/** The image both tiers make fail one request in five (HTTP 500). */
export const BAD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v3:1.20.1';
/** A healthy new version. */
export const GOOD_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.1';

/**
 * Check settings for tests on either tier: windows of several 1 s scrapes, generous
 * inconclusive limits while data arrives. `checkFlags` spells the same as CLI flags.
 */
export const FAST_CHECKS = {
  interval: '1s',
  window: '5s',
  scrapeInterval: '1s',
  minRequests: 5,
  failureLimit: 2,
  inconclusiveLimit: 30,
} as const;

/**
 * {@link FAST_CHECKS} as `switchyard` flags, after the flags naming the Prometheus
 * (`['--prometheus-url', url]` or `['--prometheus-service', 'ns/name:port']`).
 */
export function fastCheckFlags(prometheus: readonly string[]): string[] {
  return [
    ...prometheus,
    '--scrape-interval',
    FAST_CHECKS.scrapeInterval,
    '--window',
    FAST_CHECKS.window,
    '--check-interval',
    FAST_CHECKS.interval,
    '--min-requests',
    String(FAST_CHECKS.minRequests),
    '--failure-limit',
    String(FAST_CHECKS.failureLimit),
    '--inconclusive-limit',
    String(FAST_CHECKS.inconclusiveLimit),
  ];
}

/** bookinfo's traffic in `namespace`: productpage calls reviews, release-tester with the header. */
export function bookinfoClients(namespace: string): TrafficClient[] {
  const target = { host: 'reviews', port: 9080, path: '/reviews/0' };
  return [
    { name: 'productpage', namespace, replicas: 1, rps: 40, target },
    {
      name: 'release-tester',
      namespace,
      replicas: 1,
      rps: 10,
      target,
      headers: { 'x-release': 'candidate' },
    },
  ];
}

/** A Kubernetes object as read from a manifest. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** The bookinfo manifests and the release-tester workload, moved into `namespace`. */
export async function bookinfoIn(namespace: string): Promise<ManifestObject[]> {
  const files = (await readdir(BOOKINFO_MANIFESTS))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(BOOKINFO_MANIFESTS, f));
  const objects: ManifestObject[] = [];
  for (const file of [...files, RELEASE_TESTER]) {
    for (const doc of loadAll(readFileSync(file, 'utf8'))) {
      if (!doc) continue;
      const obj = doc as ManifestObject;
      if (obj.kind === 'Namespace') obj.metadata.name = namespace;
      else obj.metadata.namespace = namespace;
      objects.push(obj);
    }
  }
  return objects;
}
