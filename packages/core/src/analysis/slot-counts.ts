/**
 * What the sequential checks count: requests, and how many of them were "events" (failed,
 * or slower than a latency edge), per slot over one span of time. Counts, never rates: the
 * statistics need to know how much evidence a figure carries.
 */

/** What one slot served over one span. */
export interface SlotCounts {
  /** Requests completed in the span (>= 0). */
  readonly requests: number;
  /** Of those, the ones that count against the slot: failed, or slower than the edge (<= requests). */
  readonly events: number;
}

/**
 * Both slots over the same span: one stratum of evidence for a comparison. Per-request
 * random routing makes the canary's share of the events in a stratum depend only on its
 * share of the requests and on the ratio of the two event rates.
 */
export interface ComparisonCounts {
  /** The candidate slot. */
  readonly canary: SlotCounts;
  /** The stable slot. */
  readonly stable: SlotCounts;
}

/** No requests. */
export const NO_REQUESTS: SlotCounts = Object.freeze({ requests: 0, events: 0 });

/** The sum of two counts. */
export function addSlotCounts(a: SlotCounts, b: SlotCounts): SlotCounts {
  return { requests: a.requests + b.requests, events: a.events + b.events };
}

/**
 * Throws a RangeError naming `path` unless `counts` are finite, non-negative and have no
 * more events than requests (a counter read that breaks these is a bug upstream, not data).
 */
export function assertSlotCounts(counts: SlotCounts, path: string): void {
  const { requests, events } = counts;
  if (!Number.isFinite(requests) || requests < 0)
    throw new RangeError(`${path}.requests must be a finite number >= 0, got ${requests}`);
  if (!Number.isFinite(events) || events < 0)
    throw new RangeError(`${path}.events must be a finite number >= 0, got ${events}`);
  if (events > requests)
    throw new RangeError(`${path}.events (${events}) exceeds ${path}.requests (${requests})`);
}
