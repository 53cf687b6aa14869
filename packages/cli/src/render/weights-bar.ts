/**
 * The blue/green weights as a bar: blue cells then green cells. Without colour the two
 * halves differ by glyph so the split stays readable.
 */
import type { SlotWeights } from '@switchyard/core';
import type { Colors } from '../cli-context.js';

/** `[██████░░░░] blue 60 / green 40`. */
export function weightsBar(weights: SlotWeights, colors: Colors, width = 30): string {
  const total = weights.blue + weights.green;
  const blueCells = total > 0 ? Math.round((weights.blue / total) * width) : 0;
  const greenCells = total > 0 ? width - blueCells : 0;
  const empty = width - blueCells - greenCells;
  const bar =
    (colors.isColorSupported
      ? colors.blue('█'.repeat(blueCells)) + colors.green('█'.repeat(greenCells))
      : '█'.repeat(blueCells) + '░'.repeat(greenCells)) + ' '.repeat(empty);
  return `[${bar}] ${colors.blue(`blue ${weights.blue}`)} / ${colors.green(`green ${weights.green}`)}`;
}
