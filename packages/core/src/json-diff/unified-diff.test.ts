import { describe, expect, it } from 'vitest';
import { renderUnifiedDiff } from './unified-diff.js';

const labels = { beforeLabel: 'a/reviews', afterLabel: 'b/reviews' };
const numbered = (count: number): string =>
  Array.from({ length: count }, (_, index) => `line ${index + 1}`).join('\n') + '\n';

describe('renderUnifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(renderUnifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
  });

  it('shows a changed line with three lines of context, as diff -u', () => {
    const before = numbered(10);
    const after = before.replace('line 5\n', 'line five\n');
    expect(renderUnifiedDiff(before, after, labels)).toBe(
      [
        '--- a/reviews',
        '+++ b/reviews',
        '@@ -2,7 +2,7 @@',
        ' line 2',
        ' line 3',
        ' line 4',
        '-line 5',
        '+line five',
        ' line 6',
        ' line 7',
        ' line 8',
        '',
      ].join('\n'),
    );
  });

  it('splits distant changes into hunks and merges close ones', () => {
    const before = numbered(20);
    const distant = before
      .replace('line 2\n', 'line two\n')
      .replace('line 18\n', 'line eighteen\n');
    expect(
      renderUnifiedDiff(before, distant, labels)
        .split('\n')
        .filter((line) => line.startsWith('@@')),
    ).toEqual(['@@ -1,5 +1,5 @@', '@@ -15,6 +15,6 @@']);
    const close = before.replace('line 5\n', 'line five\n').replace('line 10\n', 'line ten\n');
    expect(
      renderUnifiedDiff(before, close, labels)
        .split('\n')
        .filter((line) => line.startsWith('@@')),
    ).toEqual(['@@ -2,12 +2,12 @@']);
  });

  it('numbers pure insertions and deletions like diff -u', () => {
    expect(renderUnifiedDiff('', 'new\n', labels)).toBe(
      '--- a/reviews\n+++ b/reviews\n@@ -0,0 +1 @@\n+new\n',
    );
    expect(renderUnifiedDiff('a\nb\n', 'a\n', { ...labels, context: 0 })).toBe(
      '--- a/reviews\n+++ b/reviews\n@@ -2 +1,0 @@\n-b\n',
    );
  });
});
