/**
 * Rules of the sequential analysis: its settings in `checks` (alpha and beta strictly
 * between 0 and 1, a positive tolerance below the margin), and each check's fields against
 * the way it decides (a threshold check takes no tolerance, a sequential one no
 * `maxDegradation`; custom checks are threshold checks).
 */
import { builtinCheckType } from './check-types.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import {
  fieldsOf,
  isFields,
  listOf,
  present,
  type Fields,
  type IssueList,
} from './unvalidated-spec.js';

const COMPARISON_FIELDS = ['tolerance', 'margin'] as const;

/** The sequential settings of `checks` and of each check item. */
export function checkSequential(spec: Fields, out: IssueList): void {
  const checks = fieldsOf(spec.checks);
  for (const name of ['alpha', 'beta'] as const) {
    const value = checks[name];
    if (typeof value === 'number' && !(value > 0 && value < 1))
      out.add(['checks', name], `must be strictly between 0 and 1, got ${value}`);
  }
  const tolerance = positive(checks, 'tolerance', ['checks'], out);
  const margin = positive(checks, 'margin', ['checks'], out);
  if (tolerance !== undefined && margin !== undefined && margin <= tolerance)
    out.add(
      ['checks', present(checks, 'margin') ? 'margin' : 'tolerance'],
      `checks.margin (${margin}) must be above checks.tolerance (${tolerance}): a canary promoted early must be shown better than one rolled back`,
    );
  const analysis = checks.analysis === 'sequential' ? 'sequential' : 'threshold';
  listOf(checks.items).forEach((item, index) => {
    if (isFields(item)) checkItem(item, index, analysis, { tolerance, margin }, out);
  });
}

function checkItem(
  item: Fields,
  index: number,
  sectionAnalysis: 'threshold' | 'sequential',
  section: { tolerance: number | undefined; margin: number | undefined },
  out: IssueList,
): void {
  const path = ['checks', 'items', index];
  const type = item.type ?? (present(item, 'query') ? 'custom' : undefined);
  const builtin = builtinCheckType(type);
  if (type === 'custom' && item.analysis === 'sequential') {
    out.add(
      [...path, 'analysis'],
      "a custom check is a threshold check: a query's value is not a count of requests the sequential tests can weigh; use a built-in type",
    );
    return;
  }
  if (!builtin) return;
  const analysis =
    item.analysis === 'sequential' || item.analysis === 'threshold'
      ? item.analysis
      : sectionAnalysis;
  const comparison = builtin.sequential.kind === 'compare';
  for (const field of [...COMPARISON_FIELDS, 'slowerThan'] as const) {
    if (!present(item, field)) continue;
    const allowed = field === 'slowerThan' ? builtin.type === 'latency-vs-stable' : comparison;
    if (!allowed) {
      out.add(
        [...path, field],
        field === 'slowerThan'
          ? `only latency-vs-stable takes slowerThan; ${builtin.type}'s threshold is ${builtin.thresholdField}`
          : `only comparisons with the stable slot (success-rate-vs-stable, latency-vs-stable) take ${field}`,
      );
    } else if (analysis === 'threshold') {
      out.add(
        [...path, field],
        `a setting of sequential analysis; set analysis: sequential (on the check or on checks) or remove it`,
      );
    }
  }
  if (analysis !== 'sequential') return;
  if (comparison && present(item, 'maxDegradation')) {
    out.add(
      [...path, 'maxDegradation'],
      'a threshold setting; in sequential analysis a comparison takes tolerance and margin (ratios of the rates)',
    );
  }
  if (!comparison) {
    checkObjective(item, path, builtin.type, out);
    return;
  }
  const tolerance = positive(item, 'tolerance', path, out) ?? section.tolerance;
  const margin = positive(item, 'margin', path, out) ?? section.margin;
  positive(item, 'slowerThan', path, out);
  if (
    (present(item, 'tolerance') || present(item, 'margin')) &&
    tolerance !== undefined &&
    margin !== undefined &&
    margin <= tolerance
  ) {
    out.add(
      [...path, present(item, 'margin') ? 'margin' : 'tolerance'],
      `margin (${margin}) must be above tolerance (${tolerance})`,
    );
  }
}

/** An absolute check's objective must be one a test can show or refute. */
function checkObjective(
  item: Fields,
  path: readonly PropertyKey[],
  type: string,
  out: IssueList,
): void {
  if (
    type === 'success-rate' &&
    typeof item.min === 'number' &&
    !(item.min > 0 && item.min < 100)
  ) {
    out.add(
      [...path, 'min'],
      `in sequential analysis the objective is at most ${100 - item.min}% failed requests, which no test can show or refute: use a min strictly between 0 and 100`,
    );
  }
  if (type === 'latency-p99' && typeof item.max === 'number' && !(item.max > 0)) {
    out.add(
      [...path, 'max'],
      'in sequential analysis max is a latency bound in milliseconds: must be > 0',
    );
  }
}

/** The number at `key` (its default when absent), or undefined after reporting one <= 0. */
function positive(
  fields: Fields,
  key: 'tolerance' | 'margin' | 'slowerThan',
  path: readonly PropertyKey[],
  out: IssueList,
): number | undefined {
  const value = fields[key];
  if (value === undefined) {
    return path.length === 1 && key !== 'slowerThan' ? SPEC_DEFAULTS[`checks.${key}`] : undefined;
  }
  if (typeof value !== 'number') return undefined;
  if (value > 0 && Number.isFinite(value)) return value;
  out.add([...path, key], `must be a number > 0, got ${value}`);
  return undefined;
}
