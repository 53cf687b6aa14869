/**
 * Cross-field rules of the strategy: its steps, and what presets and steps need.
 */
import { formatDuration, tryParseDuration } from './duration.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import {
  durationMs,
  fieldsOf,
  isFields,
  isPercent,
  listOf,
  onlyOne,
  present,
  type Fields,
  type IssueList,
} from './unvalidated-spec.js';
import { describeValue } from './spec-issues.js';

const STEP_KINDS = ['weight', 'bake', 'pause', 'mirror'] as const;

function checkSteps(steps: unknown[], out: IssueList): void {
  let allValid = true;
  const weights: { index: number; weight: number }[] = [];
  const mirrors: number[] = [];
  steps.forEach((step, index) => {
    if (!isFields(step)) {
      allValid = false;
      return;
    }
    const path = ['strategy', 'steps', index];
    const kinds = onlyOne(out, path, step, STEP_KINDS);
    if (kinds.length === 0) {
      out.add(path, 'empty step: give one of weight, bake, pause, mirror');
    }
    if (kinds.length !== 1) allValid = false;
    if (kinds[0] === 'weight') {
      if (isPercent(step.weight)) weights.push({ index, weight: step.weight });
      else allValid = false;
    }
    if (kinds[0] === 'mirror') mirrors.push(index);
  });
  // The order rules only make sense over a list whose steps are each valid.
  if (!allValid) return;
  const last = weights.at(-1);
  if (!last) {
    out.add(
      ['strategy', 'steps'],
      'needs at least one weight step, and the last weight step must be 100',
    );
    return;
  }
  for (let i = 1; i < weights.length; i++) {
    const previous = weights[i - 1];
    const current = weights[i];
    if (previous && current && current.weight <= previous.weight) {
      out.add(
        ['strategy', 'steps', current.index, 'weight'],
        `must be greater than the previous weight step (strategy.steps[${previous.index}].weight is ${previous.weight}): weights only increase`,
      );
    }
  }
  if (last.weight !== 100) {
    out.add(
      ['strategy', 'steps', last.index, 'weight'],
      `the last weight step must be 100, got ${last.weight}: the release would never complete`,
    );
  }
  for (const index of mirrors) {
    if (index > last.index) {
      out.add(
        ['strategy', 'steps', index, 'mirror'],
        'comes after the last weight step, when the candidate already takes all traffic: move it before',
      );
    }
  }
}

/** Whether the spec has any check: the default list when `items` is absent. */
function hasChecks(spec: Fields): boolean {
  const items = fieldsOf(spec.checks).items;
  return items === undefined || listOf(items).length > 0;
}

/** The strategy: a custom one has steps, the steps are a valid plan, preset options fit the preset. */
export function checkStrategy(spec: Fields, out: IssueList): void {
  const strategy = fieldsOf(spec.strategy);
  const steps = strategy.steps;
  const type = strategy.type ?? (steps === undefined ? 'canary' : 'custom');
  if (type === 'custom' && steps === undefined) {
    out.add(['strategy', 'steps'], 'required when strategy.type is custom');
  }
  if (Array.isArray(steps)) checkSteps(steps, out);
  if (steps !== undefined && present(strategy, 'bake')) {
    out.add(
      ['strategy', 'bake'],
      'applies to preset steps only; with explicit steps, add bake steps',
    );
  }
  const mirror = strategy.mirror;
  if (typeof mirror === 'number' && mirror > 0 && (steps !== undefined || type !== 'bluegreen')) {
    out.add(
      ['strategy', 'mirror'],
      steps !== undefined
        ? 'applies to the bluegreen preset only; with explicit steps, add a mirror step'
        : `applies to the bluegreen preset only (strategy.type is ${describeValue(type)}); add a mirror step to explicit steps instead`,
    );
  }

  // A bake shorter than the evaluation interval would pass without a single check.
  if (!hasChecks(spec)) return;
  const checks = fieldsOf(spec.checks);
  const intervalMs = durationMs(checks, 'interval', SPEC_DEFAULTS['checks.interval']);
  if (intervalMs === undefined) return;
  const interval = formatDuration(intervalMs);
  if (Array.isArray(steps)) {
    steps.forEach((step, index) => {
      const bakeMs = isFields(step) ? tryParseDuration(step.bake) : undefined;
      if (bakeMs !== undefined && bakeMs > 0 && bakeMs < intervalMs) {
        out.add(
          ['strategy', 'steps', index, 'bake'],
          `${formatDuration(bakeMs)} is shorter than checks.interval (${interval}): no check would run during it`,
        );
      }
    });
  } else {
    const bakeMs = durationMs(strategy, 'bake', SPEC_DEFAULTS['strategy.bake']);
    if (bakeMs !== undefined && bakeMs > 0 && bakeMs < intervalMs) {
      if (present(strategy, 'bake')) {
        out.add(
          ['strategy', 'bake'],
          `${formatDuration(bakeMs)} is shorter than checks.interval (${interval}): no check would run during a bake`,
        );
      } else {
        out.add(
          ['checks', 'interval'],
          `${interval} is longer than the default bake (${formatDuration(bakeMs)}): no check would run during a bake; set strategy.bake or a shorter interval`,
        );
      }
    }
  }
}

// --- checks -------------------------------------------------------------------------
