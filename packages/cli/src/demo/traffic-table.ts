/**
 * Who talks to whom, measured by Prometheus (not by the simulator's own counters): request
 * rates per source and destination workload, as Istio's destination-side metrics report
 * them. The demo uses it to show testers reaching the candidate while users stay on the
 * stable slot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Colors } from '../cli-context.js';

/** One source -> destination request rate. */
export interface TrafficRow {
  /** Calling workload. */
  source: string;
  /** Receiving workload. */
  destination: string;
  /** Requests per second. */
  rps: number;
}

/** Requests per second to `service`'s workloads, by source and destination workload. */
export function trafficQuery(service: string, namespace: string, window: string): string {
  return `sum by (source_workload, destination_workload) (rate(istio_requests_total{reporter="destination",destination_service_name="${service}",destination_service_namespace="${namespace}"}[${window}]))`;
}

/** Runs the query. */
export async function queryTraffic(
  prometheusUrl: string,
  query: string,
  signal?: AbortSignal,
): Promise<TrafficRow[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    body: new URLSearchParams({ query }),
    signal,
  });
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') {
    throw new Error(`Prometheus refused the query: ${body.error ?? `HTTP ${response.status}`}`);
  }
  return (body.data?.result ?? [])
    .map((r) => ({
      source: r.metric.source_workload ?? '?',
      destination: r.metric.destination_workload ?? '?',
      rps: Number(r.value[1]),
    }))
    .filter((row) => Number.isFinite(row.rps) && row.rps > 0.05)
    .sort((a, b) => a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination));
}

/** Polls until `accept` likes the rows (or the time is up); returns the last rows. */
export async function waitForTraffic(
  read: () => Promise<TrafficRow[]>,
  accept: (rows: readonly TrafficRow[]) => boolean,
  options: { timeoutMs: number; intervalMs: number; signal?: AbortSignal | undefined },
): Promise<{ rows: TrafficRow[]; accepted: boolean }> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const rows = await read();
    if (accept(rows)) return { rows, accepted: true };
    if (Date.now() >= deadline) return { rows, accepted: false };
    await sleep(options.intervalMs, undefined, { signal: options.signal });
  }
}

/** The rows as a small table. */
export function trafficTable(rows: readonly TrafficRow[], colors: Colors): string[] {
  const header = ['source workload', 'destination workload', 'req/s'];
  const cells = rows.map((r) => [r.source, r.destination, r.rps.toFixed(1)]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('   ');
  return [
    `  ${colors.dim(line(header))}`,
    ...cells.map((row) => {
      const text = line(row);
      return `  ${row[1]?.endsWith('-green') ? colors.green(text) : row[1]?.endsWith('-blue') ? colors.blue(text) : text}`;
    }),
  ];
}
