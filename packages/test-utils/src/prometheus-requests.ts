/** Waiting until Prometheus holds a service's requests, as what reads them needs. */
import type { PromSample } from './prom-query.js';
import { waitFor } from './wait-for.js';

/**
 * Waits until Prometheus holds `istio_requests_total` for `service` (of `namespace`, when
 * given: a shared cluster holds others) as its own sidecars report it
 * (`reporter="destination"`): what the built-in checks and the `prometheus-data` preflight
 * check read. Prometheus' first scrapes come seconds after a cluster is up.
 */
export async function waitForServiceRequests(
  prometheus: { promQuery(query: string): Promise<PromSample[]> },
  service: string,
  namespace?: string,
): Promise<void> {
  const inNamespace = namespace ? `,destination_service_namespace="${namespace}"` : '';
  await waitFor(
    async () =>
      (
        await prometheus.promQuery(
          `istio_requests_total{reporter="destination",destination_service_name="${service}"${inNamespace}}`,
        )
      ).length > 0,
    {
      timeoutMs: 180_000,
      intervalMs: 500,
      description: `${service} requests in Prometheus`,
    },
  );
}
