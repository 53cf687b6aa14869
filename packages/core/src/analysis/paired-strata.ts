/**
 * Holds each slot's counts until every scrape origin has reported, so that the strata the
 * comparison tests cover both slots over spans as alike as the scrapes allow.
 *
 * Each pod is scraped at its own phase. With 30 s scrapes read every 10 s, most reads see
 * the canary's pod or some stable pods, rarely both; a stratum with one slot unseen carries
 * no evidence (its likelihood ratio is 1), so testing reads as they come would throw most
 * of the evidence away. Instead the counts of each stratum accumulate here and are released
 * as one stratum once both slots have reported and every origin of the previously released
 * stratum has reported again: in steady state each release covers exactly one scrape span
 * of every pod. Every count is used exactly once.
 *
 * The spans of different pods still end up to one scrape interval apart. While the rates
 * are steady that changes nothing; when a shared failure starts or stops, the slot whose
 * pods were scraped later in the stratum catches more of it, which reads as evidence about
 * the ratio. Waiting for every origin keeps that shift to one span per pod (measured in
 * docs/sequential-verdicts.md); strata whose series come from one origin that counts both
 * slots (source-side or waypoint metrics, `stratumOf` the reporting pod) have exact spans.
 *
 * The release rule depends only on which origins reported, never on the counts, so the
 * strata stay valid strata for the test. An origin that stops reporting (a pod gone) holds
 * a release back for at most {@link MAX_WAIT_READS} reads; it is then left out of the next
 * rule.
 */
import { addSlotCounts, type ComparisonCounts } from './slot-counts.js';
import type { SlotIncrements, SlotStratum } from './slot-increments.js';

/**
 * Reads after which a stratum in which both slots reported is released even though some
 * origin of the previous stratum has not reported again (1 minute at a 10 s check interval).
 */
export const MAX_WAIT_READS = 6;

/** What accumulated for one stratum since its last release. */
export interface PendingStratum extends SlotStratum {
  /** Origins that reported in the previously released stratum: all must report again. */
  readonly required: readonly string[];
  /** Reads since the last release in which this stratum had any new sample. */
  readonly reads: number;
}

/** Counts waiting to be released, by stratum key: plain JSON. */
export interface PendingStrata {
  /** What accumulated per stratum since its last release. */
  readonly pending: Readonly<Record<string, PendingStratum>>;
}

/** Nothing pending. */
export const NO_PENDING_STRATA: PendingStrata = Object.freeze({ pending: Object.freeze({}) });

/** The strata to test now, and what stays pending. */
export interface PairedStrata {
  /** Strata released by this read. */
  readonly strata: readonly ComparisonCounts[];
  /** The state for the next read. */
  readonly state: PendingStrata;
}

/** Adds a read to what is pending and releases every stratum that is complete. */
export function pairStrata(state: PendingStrata, read: SlotIncrements): PairedStrata {
  const pending: Record<string, PendingStratum> = { ...state.pending };
  for (const stratum of read.strata) pending[stratum.key] = merge(pending[stratum.key], stratum);
  const strata: ComparisonCounts[] = [];
  for (const [key, stratum] of Object.entries(pending)) {
    const { observed, origins, required } = stratum;
    if (!observed.canary || !observed.stable) continue;
    const complete = required.every((origin) => origins.includes(origin));
    if (!complete && stratum.reads < MAX_WAIT_READS) continue;
    strata.push({ canary: stratum.canary, stable: stratum.stable });
    pending[key] = {
      key,
      canary: { requests: 0, events: 0 },
      stable: { requests: 0, events: 0 },
      observed: { canary: false, stable: false },
      origins: [],
      required: origins,
      reads: 0,
    };
  }
  return { strata, state: { pending } };
}

function merge(before: PendingStratum | undefined, read: SlotStratum): PendingStratum {
  if (before === undefined) return { ...read, required: [], reads: 1 };
  return {
    key: read.key,
    canary: addSlotCounts(before.canary, read.canary),
    stable: addSlotCounts(before.stable, read.stable),
    observed: {
      canary: before.observed.canary || read.observed.canary,
      stable: before.observed.stable || read.observed.stable,
    },
    origins: [...new Set([...before.origins, ...read.origins])].sort(),
    required: before.required,
    reads: before.reads + 1,
  };
}
