/**
 * Edit scripts between two sequences by longest common subsequence. Shared by the JSON
 * Patch diff (array elements) and the unified text diff (lines). Common prefix and suffix
 * are matched first, so the quadratic table only covers the changed middle, which for a
 * route change is a handful of elements or lines.
 */

/** One step of an edit script turning `before` into `after`, in order. */
export type EditStep =
  | {
      /** Elements `before[before]` and `after[after]` correspond. */
      kind: 'match';
      /** Index in `before`. */
      before: number;
      /** Index in `after`. */
      after: number;
    }
  | {
      /** `before[before]` has no counterpart. */
      kind: 'remove';
      /** Index in `before`. */
      before: number;
    }
  | {
      /** `after[after]` has no counterpart. */
      kind: 'add';
      /** Index in `after`. */
      after: number;
    };

/**
 * A shortest edit script under `same`: matches in order, removals before additions where
 * both are possible (so a replaced element reads as remove-then-add).
 */
export function editScript<T>(
  before: readonly T[],
  after: readonly T[],
  same: (a: T, b: T) => boolean,
): EditStep[] {
  let prefix = 0;
  while (
    prefix < before.length &&
    prefix < after.length &&
    same(before[prefix] as T, after[prefix] as T)
  ) {
    prefix += 1;
  }
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    same(before[before.length - 1 - suffix] as T, after[after.length - 1 - suffix] as T)
  ) {
    suffix += 1;
  }

  const steps: EditStep[] = [];
  for (let i = 0; i < prefix; i += 1) steps.push({ kind: 'match', before: i, after: i });

  const n = before.length - prefix - suffix;
  const m = after.length - prefix - suffix;
  // lengths[i * (m + 1) + j]: LCS length of before[prefix + i..] and after[prefix + j..].
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const cell = (i: number, j: number): number => lengths[i * (m + 1) + j] ?? 0;
  const matches = (i: number, j: number): boolean =>
    same(before[prefix + i] as T, after[prefix + j] as T);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lengths[i * (m + 1) + j] = matches(i, j)
        ? cell(i + 1, j + 1) + 1
        : Math.max(cell(i + 1, j), cell(i, j + 1));
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && matches(i, j) && cell(i, j) === cell(i + 1, j + 1) + 1) {
      steps.push({ kind: 'match', before: prefix + i, after: prefix + j });
      i += 1;
      j += 1;
    } else if (i < n && (j === m || cell(i + 1, j) >= cell(i, j + 1))) {
      steps.push({ kind: 'remove', before: prefix + i });
      i += 1;
    } else {
      steps.push({ kind: 'add', after: prefix + j });
      j += 1;
    }
  }

  for (let k = 0; k < suffix; k += 1) {
    steps.push({ kind: 'match', before: prefix + n + k, after: prefix + m + k });
  }
  return steps;
}
