/**
 * Line diff of two texts in unified format (`---`/`+++` headers, `@@` hunks with context),
 * what `switchyard plan` prints for each change so a human can review it like `git diff`.
 */
import { editScript } from './longest-common-subsequence.js';

/** Labels and context size of a unified diff. */
export interface UnifiedDiffOptions {
  /** Label of the `---` line (the text before). */
  beforeLabel: string;
  /** Label of the `+++` line (the text after). */
  afterLabel: string;
  /** Unchanged lines shown around each change; undefined means 3, as `diff -u`. */
  context?: number | undefined;
}

interface DiffLine {
  mark: ' ' | '-' | '+';
  text: string;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** `start,count` of a hunk header; as diff -u, a count of 1 is left out. */
function range(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** The unified diff of `before` and `after`; `''` when they are equal. */
export function renderUnifiedDiff(
  before: string,
  after: string,
  options: UnifiedDiffOptions,
): string {
  const beforeLines = splitLines(before);
  const afterLines = splitLines(after);
  const lines: DiffLine[] = editScript(beforeLines, afterLines, (a, b) => a === b).map((step) =>
    step.kind === 'match'
      ? { mark: ' ', text: beforeLines[step.before] ?? '' }
      : step.kind === 'remove'
        ? { mark: '-', text: beforeLines[step.before] ?? '' }
        : { mark: '+', text: afterLines[step.after] ?? '' },
  );
  const changed = lines.flatMap((line, index) => (line.mark === ' ' ? [] : [index]));
  const first = changed[0];
  if (first === undefined) return '';

  const context = options.context ?? 3;
  // Hunks: runs of changes whose context would touch or overlap are merged.
  const hunks: { start: number; end: number }[] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(lines.length, index + context + 1);
    const last = hunks.at(-1);
    if (last !== undefined && start <= last.end) last.end = end;
    else hunks.push({ start, end });
  }

  const out = [`--- ${options.beforeLabel}`, `+++ ${options.afterLabel}`];
  let beforeSeen = 0;
  let afterSeen = 0;
  let cursor = 0;
  for (const hunk of hunks) {
    for (; cursor < hunk.start; cursor += 1) {
      beforeSeen += 1;
      afterSeen += 1;
    }
    const body = lines.slice(hunk.start, hunk.end);
    const beforeCount = body.filter((line) => line.mark !== '+').length;
    const afterCount = body.filter((line) => line.mark !== '-').length;
    // As diff -u: an empty side is numbered by the line before it.
    const beforeStart = beforeCount === 0 ? beforeSeen : beforeSeen + 1;
    const afterStart = afterCount === 0 ? afterSeen : afterSeen + 1;
    out.push(`@@ -${range(beforeStart, beforeCount)} +${range(afterStart, afterCount)} @@`);
    for (const line of body) out.push(`${line.mark}${line.text}`);
    beforeSeen += beforeCount;
    afterSeen += afterCount;
    cursor = hunk.end;
  }
  return `${out.join('\n')}\n`;
}
