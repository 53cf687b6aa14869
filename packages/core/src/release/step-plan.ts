/**
 * The step plan of a release, as data: the list of steps derived from the strategy
 * (`spec.strategy.steps`, expanded from the presets by the spec), stored in the record's
 * operation when the release starts, and executed by one loop (`step-loop.ts`) from the
 * recorded step index, so a resumed run picks up where the last one stopped.
 *
 * Each step has a kind, and each kind one executor (`step-executors.ts`). Adding a kind of
 * step means: its shape in `ReleaseStep`, its name here, one executor.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { ReleaseRecord, ReleaseStep } from './state-record.js';

/** The kinds of step, one executor each. */
export type StepKind = 'weight' | 'mirror' | 'bake' | 'pause';

/** The step of each kind. */
export interface StepOfKind {
  /** Set the candidate's share of the traffic. */
  weight: Extract<ReleaseStep, { weight: number }>;
  /** Mirror a share of the traffic to the candidate. */
  mirror: Extract<ReleaseStep, { mirror: number }>;
  /** Hold the split and evaluate the checks. */
  bake: Extract<ReleaseStep, { bakeMs: number }>;
  /** Stop until `promote`. */
  pause: Extract<ReleaseStep, { pause: true }>;
}

/** The kind of a step. */
export function stepKindOf(step: ReleaseStep): StepKind {
  if ('weight' in step) return 'weight';
  if ('mirror' in step) return 'mirror';
  if ('bakeMs' in step) return 'bake';
  return 'pause';
}

/** The plan a new release of `spec` runs: the strategy's steps, in order. */
export function releasePlan(spec: ResolvedReleaseSpec): ReleaseStep[] {
  return [...spec.strategy.steps];
}

/**
 * `promote --full`: the steps already run, then straight to 100%, baked as long as the last
 * bake still ahead was (not at all when none was).
 */
export function fullPromotionPlan(steps: readonly ReleaseStep[], fromIndex: number): ReleaseStep[] {
  const bakeMs =
    [...steps.slice(fromIndex)].reverse().find((s): s is { bakeMs: number } => 'bakeMs' in s)
      ?.bakeMs ?? 0;
  return [...steps.slice(0, fromIndex), { weight: 100 }, ...(bakeMs > 0 ? [{ bakeMs }] : [])];
}

/**
 * The steps a release of this record would run and where it starts: the whole plan for a
 * deployed candidate, the recorded plan from the recorded index for one in progress.
 */
export function remainingPlan(
  spec: ResolvedReleaseSpec,
  record: ReleaseRecord,
): { steps: ReleaseStep[]; start: number } {
  if (record.phase === 'deployed') return { steps: releasePlan(spec), start: 0 };
  return {
    steps: [...(record.operation?.steps ?? [])],
    start: record.operation?.stepIndex ?? 0,
  };
}
