/**
 * What users' traffic did, as Prometheus recorded it on either tier, and where every proxy
 * routes it, as each Envoy's config_dump says: the observable outcomes a release scenario
 * judges a release by.
 */
import { waitFor, type Cluster } from '@switchyard/test-utils';
import { expect } from 'vitest';

/**
 * Requests per second to reviews in the cluster's namespace over the last `windowSeconds`,
 * by `source->destination workload`, as the destination reports them.
 */
export async function reviewsTraffic(
  cluster: Cluster,
  windowSeconds: number,
): Promise<Map<string, number>> {
  const rows = await cluster.promQuery(
    `sum by (source_workload, destination_workload) (rate(istio_requests_total{reporter="destination",` +
      `destination_workload_namespace="${cluster.namespace}",destination_service_name="reviews"}[${windowSeconds}s]))`,
  );
  return new Map(
    rows.map((r) => [`${r.metric.source_workload}->${r.metric.destination_workload}`, r.value]),
  );
}

/**
 * Waits for a 5 s window lying entirely after `since` (plus a scrape) in which `source`
 * sends more than `minRate` requests per second to reviews' `slot`, then asserts that
 * window holds none of its requests to the other slot. Resolves the window's rates.
 */
export async function expectTrafficOnlyTo(
  cluster: Cluster,
  source: string,
  slot: 'blue' | 'green',
  options: { since: number; minRate: number },
): Promise<Map<string, number>> {
  const other = slot === 'blue' ? 'green' : 'blue';
  const rates = await waitFor(
    async () => {
      if (Date.now() - options.since < 7_000) return undefined;
      const now = await reviewsTraffic(cluster, 5);
      return (now.get(`${source}->reviews-${slot}`) ?? 0) > options.minRate ? now : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1000, description: `${source} traffic on ${slot}` },
  );
  expect(rates.get(`${source}->reviews-${other}`) ?? 0, JSON.stringify([...rates])).toBe(0);
  return rates;
}

/**
 * The sidecars of the namespace whose applied `primary` route of reviews does not send
 * everything to `subset` (each named with what it does send to); `[]` when all do.
 */
export async function proxiesNotRoutingOnlyTo(cluster: Cluster, subset: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const [proxy, clusters] of await cluster.primaryRouteClusters()) {
    if (clusters?.length !== 1 || !clusters[0]?.includes(`|${subset}|`))
      wrong.push(`${proxy}: ${JSON.stringify(clusters)}`);
  }
  return wrong;
}
