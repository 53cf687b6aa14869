/**
 * The simulator's size budget. It is the fast tier and the demo's cluster, not the judge of
 * fidelity (the real test bed is): it gains code only when the fast tier or the demo needs it.
 * This counts its source lines as `wc -l` does, test files excepted (fixtures included), and
 * fails when they pass the budget. Raising the budget is a decision to write down in the
 * commit, with what the new code is for; lowering it after a cut keeps the cut.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Non-test lines of `packages/sim/src` (29,937 before issue 18's diet). */
const BUDGET = 26_400;

const SRC = fileURLToPath(new URL('.', import.meta.url));

function sourceLines(): { total: number; files: [string, number][] } {
  const files = (readdirSync(SRC, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'))
    .map((path): [string, number] => [
      path,
      readFileSync(`${SRC}/${path}`, 'utf8').split('\n').length - 1,
    ]);
  return { total: files.reduce((sum, [, lines]) => sum + lines, 0), files };
}

describe('the simulator’s size', () => {
  it(`stays within its budget of ${BUDGET} non-test lines`, () => {
    const { total, files } = sourceLines();
    const largest = files
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([path, lines]) => `${lines} ${path}`);
    expect(
      total,
      `packages/sim/src holds ${total} non-test lines, over its budget of ${BUDGET}; the largest files:\n${largest.join('\n')}`,
    ).toBeLessThanOrEqual(BUDGET);
  });
});
