/** Prometheus' HTTP API, as the test harnesses query it. */

/** One sample of an instant vector: its labels and value. */
export type PromSample = { metric: Record<string, string>; value: number };

/** Instant PromQL query against `prometheusUrl`. */
export async function promQuery(prometheusUrl: string, query: string): Promise<PromSample[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query }),
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`PromQL error: ${body.error ?? response.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}
