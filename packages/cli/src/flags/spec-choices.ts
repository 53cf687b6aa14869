/**
 * Choices of the flags whose values are spec enums. Light (types only from core), so the
 * option definitions can use them on the `--help` path; `satisfies` and the exhaustive
 * records keep them equal to the spec's unions.
 */
import type { ResumePolicy, StrategyType } from '@switchyard/core';

/** `--strategy` values. */
export const STRATEGY_CHOICES = [
  'canary',
  'bluegreen',
  'custom',
] as const satisfies readonly StrategyType[];
/** `--on-resume` values. */
export const RESUME_CHOICES = ['continue', 'rollback'] as const satisfies readonly ResumePolicy[];

// A value added to either union breaks the build here until the choices list it.
const strategiesCovered: Record<StrategyType, (typeof STRATEGY_CHOICES)[number]> = {
  canary: 'canary',
  bluegreen: 'bluegreen',
  custom: 'custom',
};
const resumeCovered: Record<ResumePolicy, (typeof RESUME_CHOICES)[number]> = {
  continue: 'continue',
  rollback: 'rollback',
};
void strategiesCovered;
void resumeCovered;
