/**
 * Per-series counts of one read to the counts the sequential checks test: per slot,
 * requests and events, in one stratum per span both slots were counted over. Which series
 * belong to which slot is a function of the labels (`request-outcome.ts` has Istio's);
 * series of other workloads are ignored.
 */
import { defaultOrigin, type CounterIncrement } from './counter-increments.js';
import {
  addSlotCounts,
  NO_REQUESTS,
  type ComparisonCounts,
  type SlotCounts,
} from './slot-counts.js';

/** The two slots a comparison counts. */
export type Slot = 'canary' | 'stable';

/** Labels of a series. */
export type SeriesLabels = Readonly<Record<string, string>>;

/** Which slot a series belongs to; undefined for other workloads. */
export type SlotOf = (labels: SeriesLabels) => Slot | undefined;

/** What one series (or one histogram) counted in a read. */
export interface SeriesCounts extends SlotCounts {
  /** Its labels. */
  readonly labels: SeriesLabels;
}

/** Which slots had a new sample. */
export interface SlotsObserved {
  /** Some canary series had a new sample. */
  readonly canary: boolean;
  /** Some stable series had a new sample. */
  readonly stable: boolean;
}

/** One stratum of a read: both slots' counts over the spans read, and which slots were seen. */
export interface SlotStratum extends ComparisonCounts {
  /** The stratum's key (`''` when there is one). */
  readonly key: string;
  /** Which slots had a new sample in it: an unseen slot has no evidence, not zero requests. */
  readonly observed: SlotsObserved;
  /** The scrape origins (pods) with a new sample in it, sorted. */
  readonly origins: readonly string[];
}

/** Counts of one read, by stratum. */
export interface SlotIncrements {
  /** One entry per stratum in which either slot had a new sample. */
  readonly strata: readonly SlotStratum[];
}

/** Options of {@link slotIncrements}. */
export interface SlotIncrementOptions {
  /** Which slot a series belongs to. */
  readonly slotOf: SlotOf;
  /**
   * The stratum of a series: the span its counts cover. Default: one stratum. Give the scrape
   * origin when one origin counts both slots (source-side metrics: the client's proxy counts
   * its requests to both slots in the same scrape), so each stratum's spans match exactly.
   */
  readonly stratumOf?: ((labels: SeriesLabels) => string) | undefined;
  /** The scrape origin of a series; default `instance`, else `pod` (as the counter tracker). */
  readonly originOf?: ((labels: SeriesLabels) => string) | undefined;
}

/** Request-counter increments as series counts: every request counted, events by `isEvent`. */
export function requestCounts(
  increments: readonly CounterIncrement[],
  isEvent: (labels: SeriesLabels) => boolean,
): SeriesCounts[] {
  return increments.map(({ labels, increment }) => ({
    labels,
    requests: increment,
    events: isEvent(labels) ? increment : 0,
  }));
}

/** Sums series counts into per-slot counts, by stratum. */
export function slotIncrements(
  counts: readonly SeriesCounts[],
  options: SlotIncrementOptions,
): SlotIncrements {
  const originOf = options.originOf ?? defaultOrigin;
  const strata = new Map<string, MutableStratum>();
  for (const { labels, requests, events } of counts) {
    const slot = options.slotOf(labels);
    if (slot === undefined) continue;
    const key = options.stratumOf?.(labels) ?? '';
    const stratum = strata.get(key) ?? {
      key,
      canary: NO_REQUESTS,
      stable: NO_REQUESTS,
      observed: { canary: false, stable: false },
      origins: new Set<string>(),
    };
    stratum[slot] = addSlotCounts(stratum[slot], { requests, events });
    stratum.observed[slot] = true;
    stratum.origins.add(originOf(labels));
    strata.set(key, stratum);
  }
  return {
    strata: [...strata.values()].map((stratum) => ({
      ...stratum,
      origins: [...stratum.origins].sort(),
    })),
  };
}

type MutableStratum = {
  key: string;
  canary: SlotCounts;
  stable: SlotCounts;
  observed: { canary: boolean; stable: boolean };
  origins: Set<string>;
};

/** One slot's counts over every stratum (for an absolute check of the canary). */
export function slotTotal(read: SlotIncrements, slot: Slot): SlotCounts {
  return read.strata.reduce((sum, stratum) => addSlotCounts(sum, stratum[slot]), NO_REQUESTS);
}
