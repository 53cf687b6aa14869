/**
 * `--steps 10,50,100` (optionally with `pause` entries: `--steps 10,pause,50,100`) and
 * `--bake 1m`: explicit release steps. With `--bake`, every weight step is followed by a
 * bake of that length (the checks run during bakes); without it the weights follow each
 * other, each still gated on proxy sync. Weight values are validated by the spec.
 */
import { UsageError } from '@switchyard/core/errors';
import type { StepSpec } from '@switchyard/core';

/** Parses `--steps` (and `--bake`) into spec steps. */
export function parseStepsFlag(value: string, bake: string | undefined): StepSpec[] {
  const tokens = value.split(',').map((token) => token.trim());
  if (tokens.length === 0 || tokens.some((token) => token === '')) {
    throw new UsageError(
      `--steps "${value}": expected comma-separated weights, e.g. --steps 10,50,100 (empty entry)`,
    );
  }
  const steps: StepSpec[] = [];
  for (const token of tokens) {
    if (token === 'pause') {
      steps.push({ pause: true });
      continue;
    }
    const weight = Number(token.endsWith('%') ? token.slice(0, -1) : token);
    if (!Number.isFinite(weight)) {
      throw new UsageError(
        `--steps "${value}": "${token}" is neither a weight (percent) nor "pause"`,
      );
    }
    steps.push({ weight });
    if (bake !== undefined) steps.push({ bake });
  }
  return steps;
}
