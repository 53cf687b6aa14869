/**
 * How each check decides, in words, and what the sequential ones have shown so far: what
 * `plan` and `status` report beside the routes. The evidence comes from the test states the
 * release record keeps (`operation.sequential`), recomputed exactly as the bake computes it.
 */
import { percent } from '../analysis/evidence-text.js';
import { SIDECAR_PATH, type DataplanePath } from '../dataplane/dataplane-path.js';
import { describeReporter } from '../dataplane/dataplane-proxies.js';
import type { SequentialEvidence } from '../gates/metrics-provider.js';
import { formatDuration } from '../spec/duration.js';
import type { ResolvedCheck, ResolvedChecks } from '../spec/resolved-release-spec.js';
import type { SequentialEvents } from '../spec/sequential-tests.js';
import { sameTest, type RecordedSequentialChecks } from './sequential-checks.js';
import { sequentialResult } from './sequential-results.js';

/** One check, how it decides, and its evidence so far. */
export interface PlannedCheck {
  /** Its name. */
  readonly name: string;
  /** `threshold` or `sequential`. */
  readonly analysis: ResolvedCheck['analysis'];
  /** How it decides, in one sentence. */
  readonly rule: string;
  /** A sequential check's evidence so far (a release in progress); undefined otherwise. */
  readonly evidence?: SequentialEvidence | undefined;
  /** Why its test says what it says, with the figures; undefined without evidence. */
  readonly reason?: string | undefined;
}

/** Every check of `checks`, with the evidence `recorded` holds for the sequential ones. */
export function plannedChecks(
  checks: ResolvedChecks,
  recorded: RecordedSequentialChecks | undefined,
): PlannedCheck[] {
  return checks.items.map((check) => {
    const entry = recorded?.[check.name];
    const current =
      entry !== undefined && sameTest(entry.test, check.sequential)
        ? sequentialResult(entry.state)
        : undefined;
    return {
      name: check.name,
      analysis: check.analysis,
      rule: ruleOf(check, checks),
      ...(current ? { evidence: current.sequential, reason: current.reason } : {}),
    };
  });
}

/**
 * The settings every sequential check shares, in one line; undefined without any. `path`
 * says whose reports count: `checks.reporter`'s on the sidecar path, the waypoint's (and in
 * a mixed mesh the callers' sidecars') on the waypoint path.
 */
export function sequentialSettingsText(
  checks: ResolvedChecks,
  path: DataplanePath = SIDECAR_PATH,
): string | undefined {
  const count = checks.items.filter((check) => check.analysis === 'sequential').length;
  if (count === 0) return undefined;
  const promotion = checks.earlyPromotion
    ? `bakes end early once every sequential check says promote, after ${formatDuration(checks.minBakeMs)}`
    : 'bakes run their full time (earlyPromotion off)';
  return (
    `sequential analysis: at most ${percent(checks.alpha)} chance of a false rollback for the release ` +
    `(alpha ${checks.alpha} split across ${count} check${count === 1 ? '' : 's'}); ${promotion}; ` +
    `an undecided bake at its end: ${checks.bakeEnd}; ${countedReports(checks, path)}`
  );
}

function countedReports(checks: ResolvedChecks, path: DataplanePath): string {
  if (path.kind !== 'waypoint') return `counting ${checks.reporter}-side reports`;
  return `counting requests ${describeReporter(path, checks.reporter)}, whatever checks.reporter says (the slots have no sidecar)`;
}

function ruleOf(check: ResolvedCheck, checks: ResolvedChecks): string {
  const test = check.sequential;
  if (test === undefined) {
    const bounds = [
      check.min === undefined ? undefined : `>= ${check.min}${unit(check.unit)}`,
      check.max === undefined ? undefined : `<= ${check.max}${unit(check.unit)}`,
    ].filter((b) => b !== undefined);
    return `threshold: ${check.type === 'custom' ? 'the query' : check.type} ${bounds.join(' and ')} at every evaluation; ${checks.failureLimit} failing in a row roll back`;
  }
  const what = eventsText(test.events);
  const { alpha, beta } = test.settings;
  if (test.kind === 'compare') {
    const { tolerance, margin } = test.settings;
    return (
      `sequential: ${what} compared with the stable slot's; roll back once the candidate's rate is shown above ` +
      `${tolerance}x the stable's (alpha ${round(alpha)}); promote once shown below ${margin}x (beta ${beta})`
    );
  }
  return (
    `sequential: ${what}; roll back once their share is shown above ${percent(test.settings.maxRate)} ` +
    `(alpha ${round(alpha)}); promote once shown below it (beta ${beta})`
  );
}

function eventsText(events: SequentialEvents): string {
  if (events.counted === 'failed') return 'failed requests (5xx, non-OK gRPC)';
  return events.slowerThanMs === undefined
    ? "requests slower than the stable slot's p99 bucket edge (fixed when the check starts)"
    : `requests slower than ${events.slowerThanMs} ms (rounded up to a bucket edge)`;
}

function unit(text: string): string {
  return text === '' ? '' : text === 'pp' ? ' pp' : text;
}

function round(value: number): number {
  return Number(value.toPrecision(3));
}
