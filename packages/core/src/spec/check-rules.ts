/**
 * Cross-field rules of the checks: their timing (window, scrape and evaluation intervals)
 * and each check item.
 */
import { checkTemplateProblems } from './check-query.js';
import { builtinCheckType } from './check-types.js';
import { formatDuration } from './duration.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import {
  durationMs,
  fieldsOf,
  isFields,
  listOf,
  present,
  type Fields,
  type IssueList,
} from './unvalidated-spec.js';

/** The check window against the scrape interval (two samples) and the evaluation interval. */
export function checkTiming(spec: Fields, out: IssueList): void {
  const checks = fieldsOf(spec.checks);
  const windowMs = durationMs(checks, 'window', SPEC_DEFAULTS['checks.window']);
  const scrapeMs = durationMs(checks, 'scrapeInterval', SPEC_DEFAULTS['checks.scrapeInterval']);
  const intervalMs = durationMs(checks, 'interval', SPEC_DEFAULTS['checks.interval']);
  if (windowMs !== undefined && scrapeMs !== undefined && windowMs < 2 * scrapeMs) {
    const needed = formatDuration(2 * scrapeMs);
    if (present(checks, 'window')) {
      out.add(
        ['checks', 'window'],
        `${formatDuration(windowMs)} is shorter than two Prometheus scrapes (2 × checks.scrapeInterval = ${needed}); rate() needs two samples in the window`,
      );
    } else {
      out.add(
        ['checks', 'scrapeInterval'],
        `${formatDuration(scrapeMs)} leaves fewer than two scrapes in the default window (${formatDuration(windowMs)}); set checks.window to at least ${needed}`,
      );
    }
  }
  if (windowMs !== undefined && intervalMs !== undefined && intervalMs > windowMs) {
    if (present(checks, 'interval')) {
      out.add(
        ['checks', 'interval'],
        `${formatDuration(intervalMs)} is longer than checks.window (${formatDuration(windowMs)}): evaluations would skip the data between windows`,
      );
    } else {
      out.add(
        ['checks', 'window'],
        `${formatDuration(windowMs)} is shorter than the default checks.interval (${formatDuration(intervalMs)}): evaluations would skip the data between windows`,
      );
    }
  }
}

const THRESHOLD_FIELDS = ['min', 'max', 'maxDegradation'] as const;

function checkItem(item: Fields, index: number, out: IssueList): string | undefined {
  const path = ['checks', 'items', index];
  const type = item.type ?? (present(item, 'query') ? 'custom' : undefined);
  if (type === undefined) {
    out.add(
      path,
      'needs a type (success-rate, latency-p99, success-rate-vs-stable, latency-vs-stable) or a query',
    );
    return undefined;
  }
  const builtin = builtinCheckType(type);
  if (builtin) {
    if (present(item, 'query')) {
      out.add(
        [...path, 'query'],
        `${builtin.type} has a built-in query; for your own, drop the type`,
      );
    }
    for (const field of THRESHOLD_FIELDS) {
      if (field !== builtin.thresholdField && present(item, field)) {
        out.add(
          [...path, field],
          `not a setting of ${builtin.type}; its threshold is ${builtin.thresholdField}`,
        );
      }
    }
    const threshold = item[builtin.thresholdField];
    if (
      typeof threshold === 'number' &&
      (threshold < builtin.thresholdMin ||
        (builtin.thresholdMax !== undefined && threshold > builtin.thresholdMax))
    ) {
      out.add(
        [...path, builtin.thresholdField],
        builtin.thresholdMax === undefined
          ? `must be >= ${builtin.thresholdMin}`
          : `must be ${builtin.thresholdMin}..${builtin.thresholdMax}`,
      );
    }
    return typeof item.name === 'string' ? item.name : builtin.type;
  }
  if (type !== 'custom') return undefined;
  if (!present(item, 'name')) out.add([...path, 'name'], 'required for a custom check');
  if (!present(item, 'query')) out.add([...path, 'query'], 'required for a custom check');
  if (typeof item.query === 'string') {
    for (const problem of checkTemplateProblems(item.query)) out.add([...path, 'query'], problem);
  }
  if (present(item, 'maxDegradation')) {
    out.add([...path, 'maxDegradation'], 'only for success-rate-vs-stable; use max');
  }
  if (!present(item, 'min') && !present(item, 'max')) {
    out.add(path, 'a custom check needs min and/or max');
  }
  if (typeof item.min === 'number' && typeof item.max === 'number' && item.min > item.max) {
    out.add([...path, 'min'], `must be <= max (${item.max})`);
  }
  return typeof item.name === 'string' ? item.name : undefined;
}

/** Each check item (built-in or custom, with the fields that kind takes); names unique. */
export function checkItems(spec: Fields, out: IssueList): void {
  const names = new Map<string, number>();
  listOf(fieldsOf(spec.checks).items).forEach((item, index) => {
    if (!isFields(item)) return;
    const name = checkItem(item, index, out);
    if (name === undefined) return;
    const first = names.get(name);
    if (first === undefined) {
      names.set(name, index);
      return;
    }
    out.add(
      ['checks', 'items', index, 'name'],
      `duplicate check name "${name}" (also checks.items[${first}]); give each check its own name`,
    );
  });
}

// --- sync and prometheus ------------------------------------------------------------
