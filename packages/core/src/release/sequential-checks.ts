/**
 * The sequential checks of one release run (`checks.analysis: sequential`), from raw counter
 * reads to one result per check at every evaluation. The statistics are `analysis/`; this is
 * what the engine keeps around them:
 *
 * - **Reads.** Each evaluation reads the raw samples of `istio_requests_total` (and of the
 *   duration histogram's buckets when a check counts slow requests) for both slots, over the
 *   check window, with the route backend's label matchers and the reporter of
 *   `checks.reporter` (`gates/counter-reads.ts`). One exception (`withReporter`): on the
 *   waypoint path (ambient) the backend's own reporter matcher is kept (`reporter="waypoint"`,
 *   or `reporter=~"source|waypoint"` in a mixed mesh, each request counted once), since the
 *   slots' pods have no sidecar and neither a `destination` nor, from ambient callers, a
 *   `source` report exists. The counter tracker turning samples into
 *   increments is kept in memory: a resumed run re-baselines, losing one interval of
 *   evidence and inventing none.
 * - **Strata.** Series are grouped by the calling workload, and with source-side or waypoint
 *   reports by the reporting pod too (a waypoint pod reports like a caller's sidecar): a pod's proxy counts its requests to both slots in the same
 *   scrape, so both slots' counts in a stratum cover exactly the same span (the outage row of
 *   docs/sequential-verdicts.md). A caller that only reaches the candidate (a tester on the
 *   pre-release header route) never pairs with the stable slot and adds no evidence to a
 *   comparison, so it cannot pass for users' traffic.
 * - **State.** Each check's test state is kept in the release record (`persisted()`, plain
 *   JSON; the strata still waiting for the other slot are left out, as a resume loses them
 *   anyway), so evidence carries across weight steps and across runs. A recorded state
 *   whose test differs from the spec's (settings changed between runs) starts again.
 * - **Starting.** A check counting slow requests fixes its bucket edge at its first read
 *   with histogram data (a configured bound rounded up to an edge, or the stable slot's p99
 *   edge over the window) and counts from the next read on.
 * - **Steps without stable traffic.** Before each bake the engine says whether the stable
 *   slot gets traffic at the step (`stepTraffic`); at a step where it gets none (a canary's
 *   last step at 100 %) a comparison cannot gain evidence and its promotion verdict is
 *   judged on the evidence it carried into the step (`analysis/rate-ratio-test.ts`).
 * - **Outcome per evaluation.** `fail` once the test asked for a rollback (it stays asked);
 *   `inconclusive` while the candidate received fewer than `minRequests` requests in the
 *   window (counted from the raw samples: a canary without traffic never passes); `error`
 *   when Prometheus could not be read; otherwise `pass`, with the test's verdict (`promote`
 *   or `continue`) and its evidence in `sequential`.
 */
import {
  increaseWithin,
  readCounterIncrements,
  START_COUNTERS,
  defaultOrigin,
  type CounterIncrement,
  type CounterSeries,
  type CounterTrackerState,
} from '../analysis/counter-increments.js';
import {
  bucketTotals,
  edgeAtOrAbove,
  bucketEdge,
  quantileEdge,
} from '../analysis/latency-buckets.js';
import { NO_PENDING_STRATA } from '../analysis/paired-strata.js';
import {
  judgeStepTraffic,
  startSequentialCheck,
  updateSequentialCheck,
  type CountedEvents,
  type SequentialCheckState,
} from '../analysis/sequential-check.js';
import type { SeriesLabels, Slot as ComparedSlot } from '../analysis/slot-increments.js';
import type {
  CheckContext,
  CheckResult,
  CounterReadResult,
  MetricsProvider,
  SlotCounterSeries,
} from '../gates/metrics-provider.js';
import { formatDuration } from '../spec/duration.js';
import type { ResolvedCheck, ResolvedChecks } from '../spec/resolved-release-spec.js';
import type { ResolvedSequentialTest } from '../spec/sequential-tests.js';
import { sequentialResult } from './sequential-results.js';

/** Istio's request counter. */
export const REQUEST_COUNTER = 'istio_requests_total';
/** The buckets of Istio's request duration histogram (milliseconds). */
export const DURATION_BUCKETS = 'istio_request_duration_milliseconds_bucket';

/** The label the reads add to each series: which slot's query returned it. */
const SLOT_LABEL = '__switchyard_slot__';

/** One sequential check as the record keeps it. */
export interface RecordedSequentialCheck {
  /** The test as the spec resolved it when the check started (a different one restarts it). */
  readonly test: ResolvedSequentialTest;
  /** The test's state (no pending strata). */
  readonly state: SequentialCheckState;
}

/** The sequential checks' states as the record keeps them: plain JSON, by check name. */
export type RecordedSequentialChecks = Readonly<Record<string, RecordedSequentialCheck>>;

/** A sequential check and where it stands in this run. */
interface RunningCheck {
  readonly check: ResolvedCheck & { readonly sequential: ResolvedSequentialTest };
  /** Undefined until its bucket edge is fixed (slow-request checks) or its first read. */
  state: SequentialCheckState | undefined;
}

/** What one read of the counters gave. */
interface CounterReads {
  readonly requests: readonly SlotCounterSeries[];
  readonly buckets: readonly SlotCounterSeries[];
}

/** The sequential checks of one release run. */
export class SequentialChecks {
  readonly #checks: RunningCheck[];
  readonly #settings: ResolvedChecks;
  #requests: CounterTrackerState = START_COUNTERS;
  /** Whose reports the reads select: `destination`, `source` or `waypoint`. */
  #reporter: string;
  #buckets: CounterTrackerState = START_COUNTERS;

  /**
   * The sequential checks of `settings`, resuming the states of `recorded` whose test is the
   * same; `restarted` is called with the name of each recorded check that starts again.
   */
  constructor(
    settings: ResolvedChecks,
    recorded: RecordedSequentialChecks | undefined,
    restarted: (name: string) => void = () => {},
  ) {
    this.#settings = settings;
    this.#reporter = settings.reporter;
    this.#checks = settings.items.flatMap((check) => {
      if (check.sequential === undefined) return [];
      const entry = recorded?.[check.name];
      const same = entry !== undefined && sameTest(entry.test, check.sequential);
      if (entry !== undefined && !same) restarted(check.name);
      const running = check as RunningCheck['check'];
      return [
        { check: running, state: same ? withoutPending(entry.state) : startCounting(running) },
      ];
    });
  }

  /** True when the spec has sequential checks. */
  get active(): boolean {
    return this.#checks.length > 0;
  }

  /** Every check's state, for the record (started checks only). */
  recorded(): RecordedSequentialChecks {
    const out: Record<string, RecordedSequentialCheck> = {};
    for (const { check, state } of this.#checks) {
      if (state !== undefined)
        out[check.name] = { test: check.sequential, state: withoutPending(state) };
    }
    return out;
  }

  /**
   * Says, before a bake, whether the stable slot gets traffic during it (weight above 0):
   * where it gets none, the comparisons are judged on the evidence carried into the step.
   */
  stepTraffic(stableGetsTraffic: boolean): void {
    for (const running of this.#checks) {
      if (running.state !== undefined)
        running.state = judgeStepTraffic(running.state, stableGetsTraffic);
    }
  }

  /**
   * Takes the counters' baseline before a bake, so its first interval counts. Does nothing
   * once they have one; a failed read is left to the next evaluation.
   */
  async baseline(
    metrics: MetricsProvider,
    context: CheckContext,
    signal?: AbortSignal,
  ): Promise<void> {
    if (!this.active || this.#requests.started) return;
    const reads = await this.#read(metrics, context, signal);
    if (!reads.ok) return;
    this.#count(reads.value);
    this.#startWaiting(reads.value);
  }

  /** Reads the counters once and judges every check: one result each, in spec order. */
  async evaluate(
    metrics: MetricsProvider,
    context: CheckContext,
    at: () => number,
    signal?: AbortSignal,
  ): Promise<CheckResult[]> {
    if (!this.active) return [];
    const reads = await this.#read(metrics, context, signal);
    if (!reads.ok) {
      return this.#checks.map(({ check, state }) => ({
        name: check.name,
        outcome: 'error',
        reason: `cannot read the raw counters: ${reads.reason}`,
        query: reads.query,
        at: at(),
        ...(state === undefined ? {} : { sequential: sequentialResult(state).sequential }),
      }));
    }
    const { requests, buckets } = this.#count(reads.value);
    const windowRequests = reads.value.requests
      .filter((series) => series.slot === 'canary')
      .reduce((sum, series) => sum + increaseWithin(series.samples), 0);
    const traffic = {
      windowRequests,
      minRequests: context.minRequests,
      window: formatDuration(context.windowMs),
    };
    for (const running of this.#checks) {
      if (running.state !== undefined)
        running.state = updateSequentialCheck(
          running.state,
          { requests, buckets },
          { slotOf, stratumOf: this.#stratumOf },
        );
    }
    // A check starting now counts from the next read: this one fixed what it counts.
    const waiting = this.#startWaiting(reads.value);
    return this.#checks.map(({ check, state }) =>
      state === undefined
        ? { name: check.name, outcome: 'inconclusive', reason: waiting.get(check.name), at: at() }
        : { ...sequentialResult(state, traffic), at: at() },
    );
  }

  /** Starts the checks that could not start before; why the others still wait, by name. */
  #startWaiting(reads: CounterReads): Map<string, string> {
    const waiting = new Map<string, string>();
    for (const running of this.#checks) {
      if (running.state !== undefined) continue;
      const events = slowEvents(running.check.sequential, reads.buckets);
      if (events.ok) running.state = startCheck(running.check, events.events);
      else waiting.set(running.check.name, events.reason);
    }
    return waiting;
  }

  /**
   * The stratum of a series: its calling workload, and its reporting pod for source and
   * waypoint reports (a waypoint pod reports like a caller's sidecar).
   */
  readonly #stratumOf = (labels: SeriesLabels): string => {
    const caller = `${labels['source_workload_namespace'] ?? ''}/${labels['source_workload'] ?? ''}`;
    return this.#reporter === 'destination' ? caller : `${defaultOrigin(labels)}|${caller}`;
  };

  #count(reads: CounterReads): {
    requests: readonly CounterIncrement[];
    buckets: readonly CounterIncrement[];
  } {
    const requests = readCounterIncrements(this.#requests, reads.requests.map(tagged));
    this.#requests = requests.state;
    if (reads.buckets.length === 0) return { requests: requests.increments, buckets: [] };
    const buckets = readCounterIncrements(this.#buckets, reads.buckets.map(tagged));
    this.#buckets = buckets.state;
    return { requests: requests.increments, buckets: buckets.increments };
  }

  async #read(
    metrics: MetricsProvider,
    context: CheckContext,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; value: CounterReads } | Extract<CounterReadResult, { ok: false }>> {
    const selectors = {
      canary: withReporter(context.candidateSelector, this.#settings.reporter),
      stable: withReporter(context.stableSelector, this.#settings.reporter),
    };
    this.#reporter = reporterIn(selectors.canary) ?? this.#settings.reporter;
    const rangeMs = context.windowMs;
    const requests = await metrics.readCounters(
      { metric: REQUEST_COUNTER, selectors, rangeMs },
      signal,
    );
    if (!requests.ok) return requests;
    const slow = this.#checks.some(({ check }) => check.sequential.events.counted === 'slow');
    if (!slow) return { ok: true, value: { requests: requests.series, buckets: [] } };
    const buckets = await metrics.readCounters(
      { metric: DURATION_BUCKETS, selectors, rangeMs },
      signal,
    );
    if (!buckets.ok) return buckets;
    return { ok: true, value: { requests: requests.series, buckets: buckets.series } };
  }
}

/** A check counting failed requests starts at once; a slow-request one waits for its edge. */
function startCounting(check: RunningCheck['check']): SequentialCheckState | undefined {
  return check.sequential.events.counted === 'failed' ? startCheck(check, 'failed') : undefined;
}

function startCheck(check: RunningCheck['check'], events: CountedEvents): SequentialCheckState {
  const test = check.sequential;
  return test.kind === 'compare'
    ? startSequentialCheck({ name: check.name, kind: 'compare', events, settings: test.settings })
    : startSequentialCheck({ name: check.name, kind: 'bound', events, settings: test.settings });
}

/** What a slow-request check counts, once one read fixes its edge. */
function slowEvents(
  test: ResolvedSequentialTest,
  buckets: readonly SlotCounterSeries[],
): { ok: true; events: CountedEvents } | { ok: false; reason: string } {
  if (test.events.counted === 'failed') return { ok: true, events: 'failed' };
  const edge = slowEdge(test.events.slowerThanMs, buckets);
  return edge.ok ? { ok: true, events: { slowerThan: edge.edge } } : edge;
}

/** The bucket edge a slow-request check counts above: fixed once, from one read. */
function slowEdge(
  boundMs: number | undefined,
  buckets: readonly SlotCounterSeries[],
): { ok: true; edge: number } | { ok: false; reason: string } {
  if (boundMs !== undefined) {
    const edges = [...new Set(buckets.map((series) => bucketEdge(series.labels['le'])))];
    const edge = edgeAtOrAbove(edges, boundMs);
    if (edge !== undefined) return { ok: true, edge };
    return {
      ok: false,
      reason:
        buckets.length === 0
          ? `no request duration histogram yet to round ${boundMs} ms up to a bucket edge (${DURATION_BUCKETS})`
          : `no bucket edge at or above ${boundMs} ms in ${DURATION_BUCKETS} (largest finite edge ${Math.max(...edges.filter(Number.isFinite))} ms)`,
    };
  }
  const stable = buckets
    .filter((series) => series.slot === 'stable')
    .map((series): CounterIncrement => windowIncrement(series));
  const edge = quantileEdge(bucketTotals(stable, () => 'stable', 'stable'));
  if (edge !== undefined) return { ok: true, edge };
  return {
    ok: false,
    reason: `no stable p99 yet to fix the latency edge: the stable slot's ${DURATION_BUCKETS} shows no requests in the window, or its p99 is beyond the largest finite bucket`,
  };
}

/** What a series counted within its samples, as an increment (for bucket totals). */
function windowIncrement(series: CounterSeries): CounterIncrement {
  return {
    labels: series.labels,
    key: '',
    increment: increaseWithin(series.samples),
    fromMs: undefined,
    toMs: 0,
    resets: 0,
  };
}

/** A series with its slot as a label, so the analysis reads it from the labels. */
function tagged(series: SlotCounterSeries): CounterSeries {
  return { labels: { ...series.labels, [SLOT_LABEL]: series.slot }, samples: series.samples };
}

function slotOf(labels: SeriesLabels): ComparedSlot | undefined {
  const slot = labels[SLOT_LABEL];
  return slot === 'canary' || slot === 'stable' ? slot : undefined;
}

const REPORTER_MATCHER = /^reporter\s*(=|!=|=~|!~)/;

/**
 * `selector` with its `reporter` matcher set to `reporter`: the route backend selects a
 * slot's requests; `checks.reporter` says whose reports count them on the sidecar path. On
 * the waypoint path (the backend's matcher names `waypoint`: `reporter="waypoint"`, or
 * `reporter=~"source|waypoint"` in a mixed mesh) the backend's matcher is kept, first: the
 * slots' pods have no sidecar, so no `destination` report exists, and ambient callers make
 * no `source` report either.
 */
export function withReporter(selector: string, reporter: 'source' | 'destination'): string {
  const matchers = selector.split(',');
  const own = matchers.filter((matcher) => REPORTER_MATCHER.test(matcher));
  const others = matchers.filter((matcher) => !REPORTER_MATCHER.test(matcher));
  const kept = own.length === 1 && own[0]?.includes('waypoint') ? own[0] : undefined;
  return [kept ?? `reporter="${reporter}"`, ...others].join(',');
}

/** The reporter a `withReporter` selector names (`waypoint` for any waypoint matcher). */
function reporterIn(selector: string): string | undefined {
  const matcher = selector.split(',').find((m) => REPORTER_MATCHER.test(m));
  if (matcher === undefined) return undefined;
  if (matcher.includes('waypoint')) return 'waypoint';
  return /"(source|destination)"/.exec(matcher)?.[1];
}

/** The state without the strata waiting for the other slot (not kept across runs). */
function withoutPending(state: SequentialCheckState): SequentialCheckState {
  return state.kind === 'compare' ? { ...state, pending: NO_PENDING_STRATA } : state;
}

/** Whether a recorded test is the one the spec resolves now (same kind, events, settings). */
export function sameTest(
  recorded: ResolvedSequentialTest,
  current: ResolvedSequentialTest | undefined,
): boolean {
  return JSON.stringify(recorded) === JSON.stringify(current);
}
