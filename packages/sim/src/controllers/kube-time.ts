/**
 * Kubernetes timestamps (`metav1.Time`): RFC 3339 in UTC with second precision, so
 * comparisons the controllers make (progress deadlines, ready-since) have the same
 * one-second granularity as on a real cluster.
 */

/** `2026-01-02T03:04:05Z` for an epoch-milliseconds time (default now). */
export function kubeTime(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch milliseconds of a Kubernetes timestamp; undefined when absent or unparsable. */
export function parseKubeTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
