/**
 * Raw counter samples to per-interval increments, for the sequential checks: the counts the
 * statistics test must be what the proxies counted, never rates extrapolated over a window.
 *
 * Each read hands over, per series, the raw samples Prometheus stored (a range selector
 * such as `istio_requests_total{...}[2m]` evaluated as an instant query returns them with
 * their timestamps). For each series the tracker remembers the last sample it counted:
 *
 * - samples at or before that one were read before (reads may overlap) and are skipped;
 *   samples whose value is not a finite number >= 0 (Prometheus' stale markers) are skipped;
 * - a sample lower than the one before means the counter was reset (the pod's proxy
 *   restarted): the increment is the new value, counted from zero since the reset, as
 *   Prometheus' `increase()` counts it but without its extrapolation to the window's edges.
 *   A reset followed by growth past the old value before the next sample goes unseen, so
 *   that span is undercounted: evidence can be lost this way, never invented;
 * - the first read sets the baseline: each series' newest sample, nothing counted;
 * - a series first seen later, from a scrape origin (the `instance`, by default) that was
 *   already seen, did not exist at that origin's earlier scrapes: Istio creates a series at
 *   its first request (the first 503 of a pod creates its `response_code="503"` series), so
 *   its first value is counted from zero. A series from an origin never seen before (a new
 *   pod, or one whose scrapes were failing at the baseline) only sets its baseline: its
 *   value may include requests from before the test started;
 * - a known series without a new sample in a read (a scrape gap, a pod gone) contributes
 *   nothing and is listed as stale: a missing sample is missing evidence, never zero errors.
 *   Its next sample, whenever it comes, is counted from the last one (the whole gap at once).
 */

/** A raw counter sample. */
export interface CounterSample {
  /** When it was scraped (ms since epoch). */
  readonly timestampMs: number;
  /** The counter's value. */
  readonly value: number;
}

/** One series of a counter (or of a histogram bucket) with its raw samples, in any order. */
export interface CounterSeries {
  /** Its labels, including `__name__` when the query returns it; they identify the series. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its raw samples. */
  readonly samples: readonly CounterSample[];
}

/** The last sample counted for a series. */
export interface CountedSample {
  /** When (ms since epoch). */
  readonly timestampMs: number;
  /** Its value. */
  readonly value: number;
}

/** Where every series was left: plain JSON. */
export interface CounterTrackerState {
  /** Whether the first read (the baseline) happened. */
  readonly started: boolean;
  /** The last sample counted, by series key ({@link seriesKey}). */
  readonly series: Readonly<Record<string, CountedSample>>;
  /** Scrape origins seen so far. */
  readonly origins: readonly string[];
}

/** What one series added in one read. */
export interface CounterIncrement {
  /** The series' labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its key ({@link seriesKey}). */
  readonly key: string;
  /** How much it counted since the last sample read (>= 0). */
  readonly increment: number;
  /** The sample it counted from; undefined for a new series counted from zero. */
  readonly fromMs: number | undefined;
  /** The newest sample counted. */
  readonly toMs: number;
  /** Counter resets seen in this read. */
  readonly resets: number;
}

/** The outcome of one read. */
export interface CounterRead {
  /** The state to hand to the next read. */
  readonly state: CounterTrackerState;
  /** One entry per series with new samples that counted (zero increments included). */
  readonly increments: readonly CounterIncrement[];
  /** Keys of series first seen in this read whose first sample only set their baseline. */
  readonly baselined: readonly string[];
  /** Keys of known series without a new sample in this read: no evidence from them. */
  readonly stale: readonly string[];
}

/** Options of {@link readCounterIncrements}. */
export interface CounterReadOptions {
  /**
   * The scrape origin of a series; default its `instance` label, else `pod`, else `''`
   * (all one origin: every series first seen after the baseline counts from zero).
   */
  readonly originOf?: ((labels: Readonly<Record<string, string>>) => string) | undefined;
}

/** A tracker before its first read. */
export const START_COUNTERS: CounterTrackerState = Object.freeze({
  started: false,
  series: Object.freeze({}),
  origins: Object.freeze([]),
});

const keys = new WeakMap<Readonly<Record<string, string>>, string>();

/**
 * A stable key for a label set: its entries sorted by name, each part length-prefixed so no
 * two label sets share a key (cached per labels object).
 */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = Object.keys(labels)
      .sort()
      .map((name) => {
        const value = labels[name] as string;
        return `${name.length}:${name}${value.length}:${value}`;
      })
      .join('');
    keys.set(labels, key);
  }
  return key;
}

/** The default scrape origin: `instance`, else `pod`, else `''`. */
export function defaultOrigin(labels: Readonly<Record<string, string>>): string {
  return labels['instance'] ?? labels['pod'] ?? '';
}

/** Reads new samples of every series into increments since the previous read. */
export function readCounterIncrements(
  state: CounterTrackerState,
  series: readonly CounterSeries[],
  options: CounterReadOptions = {},
): CounterRead {
  const originOf = options.originOf ?? defaultOrigin;
  const knownOrigins = new Set(state.origins);
  const counted: Record<string, CountedSample> = { ...state.series };
  const increments: CounterIncrement[] = [];
  const baselined: string[] = [];
  const fresh = new Set<string>();
  const origins = new Set(state.origins);
  for (const { labels, samples } of series) {
    const key = seriesKey(labels);
    const last = counted[key];
    const usable = countableSamples(samples).filter(
      (s) => last === undefined || s.timestampMs > last.timestampMs,
    );
    if (usable.length === 0) continue;
    const origin = originOf(labels);
    origins.add(origin);
    fresh.add(key);
    const newest = usable[usable.length - 1] as CounterSample;
    counted[key] = { timestampMs: newest.timestampMs, value: newest.value };
    if (!state.started) {
      // The first read: everything so far happened before the test.
      baselined.push(key);
      continue;
    }
    if (last === undefined && !knownOrigins.has(origin)) {
      // An origin never seen: its first sample is the baseline, later ones count.
      baselined.push(key);
      const [first, ...rest] = usable as [CounterSample, ...CounterSample[]];
      if (rest.length > 0) increments.push(increment(labels, key, first, rest));
      continue;
    }
    const entry = increment(labels, key, last ?? { timestampMs: Number.NaN, value: 0 }, usable);
    increments.push(last === undefined ? { ...entry, fromMs: undefined } : entry);
  }
  const stale = Object.keys(state.series).filter((key) => !fresh.has(key));
  return {
    state: { started: true, series: counted, origins: [...origins].sort() },
    increments,
    baselined,
    stale,
  };
}

/** The increase from `from` through `samples` (sorted, all later), resets counted from zero. */
function increment(
  labels: Readonly<Record<string, string>>,
  key: string,
  from: CountedSample,
  samples: readonly CounterSample[],
): CounterIncrement {
  const { increase, resets } = increaseFrom(from.value, samples);
  return {
    labels,
    key,
    increment: increase,
    fromMs: from.timestampMs,
    toMs: (samples[samples.length - 1] as CounterSample).timestampMs,
    resets,
  };
}

/**
 * What a counter counted from `value` through `samples` (sorted oldest first): the sum of
 * the steps between them, a drop being a reset counted from zero. No extrapolation: what
 * happened before the first sample and after the last is not counted.
 */
export function increaseFrom(
  value: number,
  samples: readonly CounterSample[],
): { readonly increase: number; readonly resets: number } {
  let increase = 0;
  let resets = 0;
  let previous = value;
  for (const sample of samples) {
    if (sample.value < previous) {
      resets++;
      increase += sample.value;
    } else {
      increase += sample.value - previous;
    }
    previous = sample.value;
  }
  return { increase, resets };
}

/**
 * What one series counted between its oldest and its newest raw sample (stale markers
 * and other non-counts left out): the requests of a range read, without the tracker.
 */
export function increaseWithin(samples: readonly CounterSample[]): number {
  const [first, ...rest] = countableSamples(samples);
  return first === undefined ? 0 : increaseFrom(first.value, rest).increase;
}

/** Samples that are counts (finite, >= 0; not Prometheus' stale markers), oldest first. */
function countableSamples(samples: readonly CounterSample[]): CounterSample[] {
  return samples
    .filter((s) => s.value >= 0 && Number.isFinite(s.value) && Number.isFinite(s.timestampMs))
    .sort((a, b) => a.timestampMs - b.timestampMs);
}
