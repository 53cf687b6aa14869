/**
 * Slow requests from histogram buckets, counted, never estimated: a request is slow when it
 * took longer than a bucket edge `le` fixed before the step, so the number of slow requests
 * is the `+Inf` bucket's increment minus the `le` bucket's, both exact counter differences.
 * No `histogram_quantile` value (an interpolation inside a bucket) is ever a test input.
 *
 * The edge is either the stable slot's p99 rounded up to a bucket edge (the smallest edge
 * whose cumulative count reaches 99 % of the requests: the canary is then compared with
 * the stable slot on "slower than what 1 % of the stable's requests exceed"), or a
 * configured latency bound rounded up to the next edge.
 */
import { seriesKey, type CounterIncrement } from './counter-increments.js';
import type { SeriesCounts, SeriesLabels, Slot, SlotOf } from './slot-increments.js';

/** A cumulative bucket count. */
export interface BucketCount {
  /** Upper edge (`le`), in the histogram's unit; `Infinity` for `+Inf`. */
  readonly le: number;
  /** Observations at or below it. */
  readonly count: number;
}

/** An `le` label as a number (`+Inf` is Infinity); NaN when it is not a number. */
export function bucketEdge(le: string | undefined): number {
  if (le === undefined) return Number.NaN;
  if (le === '+Inf') return Infinity;
  return le.trim() === '' ? Number.NaN : Number(le);
}

/**
 * The smallest finite edge at or above the `quantile` of the observations (default 0.99):
 * the first edge whose cumulative count reaches `quantile` of the total. Undefined without
 * observations, or when the quantile lies beyond the largest finite edge.
 */
export function quantileEdge(buckets: readonly BucketCount[], quantile = 0.99): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.find((b) => b.le === Infinity)?.count;
  if (total === undefined || total <= 0) return undefined;
  const edge = sorted.find((b) => b.count >= quantile * total);
  return edge === undefined || edge.le === Infinity ? undefined : edge.le;
}

/** The smallest finite edge at or above `bound`; undefined when every edge is below it. */
export function edgeAtOrAbove(edges: readonly number[], bound: number): number | undefined {
  const above = edges.filter((e) => Number.isFinite(e) && e >= bound);
  return above.length === 0 ? undefined : Math.min(...above);
}

/** Cumulative bucket totals of one slot in a read of bucket-counter increments. */
export function bucketTotals(
  increments: readonly CounterIncrement[],
  slotOf: SlotOf,
  slot: Slot,
): BucketCount[] {
  const totals = new Map<number, number>();
  for (const { labels, increment } of increments) {
    if (slotOf(labels) !== slot) continue;
    const le = bucketEdge(labels['le']);
    if (Number.isNaN(le)) continue;
    totals.set(le, (totals.get(le) ?? 0) + increment);
  }
  return [...totals.entries()].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * Requests and slow requests (slower than `edge`) per histogram, from a read of
 * bucket-counter increments: for every histogram (the bucket series sharing all labels but
 * `le`), its `+Inf` increment is its requests and `+Inf` minus the `edge` bucket its slow
 * requests. A histogram whose `+Inf` or `edge` bucket had no new sample in the read is left
 * out (no evidence rather than a guess). Sum them per slot with `slotIncrements`.
 */
export function slowRequestCounts(
  increments: readonly CounterIncrement[],
  edge: number,
): SeriesCounts[] {
  const histograms = new Map<string, { labels: SeriesLabels; total?: number; atEdge?: number }>();
  for (const { labels, increment } of increments) {
    const le = bucketEdge(labels['le']);
    if (le !== Infinity && le !== edge) continue;
    const { le: _le, ...histogramLabels } = labels;
    const key = seriesKey(histogramLabels);
    const histogram = histograms.get(key) ?? { labels: histogramLabels };
    if (le === Infinity) histogram.total = increment;
    else histogram.atEdge = increment;
    histograms.set(key, histogram);
  }
  const counts: SeriesCounts[] = [];
  for (const { labels, total, atEdge } of histograms.values()) {
    if (total === undefined || atEdge === undefined) continue;
    counts.push({ labels, requests: total, events: Math.max(0, total - atEdge) });
  }
  return counts;
}
