/**
 * `strategy:` how traffic moves to the candidate: a preset (canary, bluegreen) or explicit
 * steps, the bake after each preset step, the bluegreen mirror, and what happens to the old
 * slot. Resolved, it is one step list in the release record's format.
 */
import type { ReleaseStep } from '../../release/state-record.js';
import { parseDuration } from '../duration.js';
import {
  BOOLEAN,
  choiceKind,
  DURATION,
  field,
  group,
  list,
  PERCENT,
  wholeKind,
} from '../field-declaration.js';
import { blueGreenSteps, canarySteps } from '../strategy-presets.js';

/** Strategy presets, or `custom` for an explicit step list. */
export type StrategyType = 'canary' | 'bluegreen' | 'custom';

/** How traffic moves to the candidate. */
export interface StrategySpec {
  /**
   * Preset, or `custom`. Undefined: `custom` when `steps` is given, else `canary`.
   * `canary`: weight 10, bake, 25, bake, 50, bake, 100, bake. `bluegreen`: (mirror, bake
   * when `mirror` > 0), weight 100, bake.
   */
  type?: StrategyType | undefined;
  /**
   * Explicit steps; replace the preset. Weight steps must be strictly increasing and the
   * last one must be 100. Undefined: the preset's steps.
   */
  steps?: StepSpec[] | undefined;
  /** Bake after each weight (and mirror) step of a preset. Undefined: `1m`. Not with `steps`. */
  bake?: string | undefined;
  /**
   * `bluegreen` only: percent of traffic mirrored to the candidate (responses discarded)
   * and baked before the switch; 0 skips it. Undefined: 0.
   */
  mirror?: number | undefined;
  /** After the release completes, scale the old slot to zero. Undefined: false (kept warm for an instant rollback). */
  scaleDownOld?: boolean | undefined;
}

/** One step of a release: exactly one of `weight`, `bake`, `pause`, `mirror`. */
export type StepSpec = WeightStepSpec | BakeStepSpec | PauseStepSpec | MirrorStepSpec;

/** Route this percent of traffic to the candidate (after the proxies synced). */
export interface WeightStepSpec {
  /** Percent, 1..100. */
  weight: number;
  /** Not in a weight step. */
  bake?: undefined;
  /** Not in a weight step. */
  pause?: undefined;
  /** Not in a weight step. */
  mirror?: undefined;
}

/** Wait this long while checks run. */
export interface BakeStepSpec {
  /** Not in a bake step. */
  weight?: undefined;
  /** Duration, at least `checks.interval` when there are checks. */
  bake: string;
  /** Not in a bake step. */
  pause?: undefined;
  /** Not in a bake step. */
  mirror?: undefined;
}

/** Stop until `switchyard promote`. */
export interface PauseStepSpec {
  /** Not in a pause step. */
  weight?: undefined;
  /** Not in a pause step. */
  bake?: undefined;
  /** Always `true`. */
  pause: true;
  /** Not in a pause step. */
  mirror?: undefined;
}

/** Copy this percent of stable traffic to the candidate (shadow traffic, responses discarded). */
export interface MirrorStepSpec {
  /** Not in a mirror step. */
  weight?: undefined;
  /** Not in a mirror step. */
  bake?: undefined;
  /** Not in a mirror step. */
  pause?: undefined;
  /** Percent, 1..100. Only before the last weight step: afterwards there is no stable traffic. */
  mirror: number;
}

const step = group(
  'One step: exactly one of weight, bake, pause, mirror.',
  {
    weight: field({
      kind: PERCENT,
      description: 'Route this percent of traffic to the candidate.',
    }),
    bake: field({ kind: DURATION, description: 'Wait this long while checks run.' }),
    pause: field({
      kind: {
        type: 'true',
        error: 'must be true (the step waits for promote); remove the step to not pause',
      },
      description: 'Wait for promote.',
    }),
    mirror: field({
      kind: PERCENT,
      description: 'Copy this percent of stable traffic to the candidate.',
    }),
  },
  { constraints: { minProperties: 1, maxProperties: 1 } },
);

/** The fields of `strategy`. */
export const STRATEGY_FIELDS = group('How traffic moves to the candidate. Default: canary.', {
  type: field({
    kind: choiceKind(['canary', 'bluegreen', 'custom']),
    description: 'Preset (canary, bluegreen) or custom.',
    defaultText: 'custom with steps, else canary',
    flags: [
      {
        name: 'strategy',
        help: 'preset: canary (10,25,50,100 with bakes) or bluegreen (100 at once) [default: canary]',
      },
    ],
  }),
  steps: list(step, {
    description: 'Explicit steps; replace the preset.',
    nonEmpty: 'must list at least one step',
    defaultText: "the preset's",
    flags: [
      {
        name: 'steps',
        value: '10,50,100',
        parsed: true,
        repeatable: false,
        help: 'explicit candidate weights, e.g. 10,50,100 (and "pause" entries); with --bake each weight is followed by a bake',
      },
    ],
  }),
  bake: field({
    kind: DURATION,
    description: 'Bake after each weight step of a preset.',
    default: '1m',
    flags: [
      {
        name: 'bake',
        help: 'bake after each weight step while checks run, e.g. 1m [default: 1m for presets]',
      },
    ],
  }),
  mirror: field({
    kind: wholeKind(0, 100),
    description: 'bluegreen: percent mirrored to the candidate before the switch.',
    default: 0,
    flags: [{ name: 'mirror' }],
  }),
  scaleDownOld: field({
    kind: BOOLEAN,
    description: 'Scale the old slot to zero after the release.',
    default: false,
    flags: [{ name: 'scale-down-old' }],
  }),
});

/** Strategy with its steps expanded. */
export interface ResolvedStrategy {
  /** Declared type: the preset, or `custom`. With explicit steps, `custom` unless a preset was named. */
  readonly type: StrategyType;
  /**
   * Steps in order, in the release record's format. Weight steps are strictly increasing
   * and the last one is 100; mirror steps only come before it.
   */
  readonly steps: readonly ReleaseStep[];
  /** Scale the old slot to zero after the release completes. */
  readonly scaleDownOld: boolean;
}

function resolveStep(spec: StepSpec): ReleaseStep {
  if (spec.weight !== undefined) return { weight: spec.weight };
  if (spec.mirror !== undefined) return { mirror: spec.mirror };
  if (spec.bake !== undefined) return { bakeMs: parseDuration(spec.bake) };
  return { pause: true };
}

/** `strategy` as one step list: the explicit steps, or the preset's with its bake. */
export function resolveStrategy(strategy: StrategySpec | undefined): ResolvedStrategy {
  const { fields } = STRATEGY_FIELDS;
  const scaleDownOld = strategy?.scaleDownOld ?? fields.scaleDownOld.default;
  if (strategy?.steps) {
    return {
      type: strategy.type ?? 'custom',
      steps: strategy.steps.map(resolveStep),
      scaleDownOld,
    };
  }
  const bakeMs = parseDuration(strategy?.bake ?? fields.bake.default);
  if (strategy?.type === 'bluegreen') {
    const mirror = strategy.mirror ?? fields.mirror.default;
    return { type: 'bluegreen', steps: blueGreenSteps(bakeMs, mirror), scaleDownOld };
  }
  return { type: 'canary', steps: canarySteps(bakeMs), scaleDownOld };
}
