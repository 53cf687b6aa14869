/** Where a check evaluation becomes a verdict, and how streaks of verdicts are counted. */
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../gates/metrics-provider.js';
import { CheckStreak, verdictOf } from './check-evaluation.js';

const result = (outcome: CheckResult['outcome']): CheckResult => ({ name: 'c', outcome, at: 0 });

describe('verdictOf', () => {
  it('passes only when every check passed; any failure fails; anything else is inconclusive', () => {
    expect(verdictOf([result('pass'), result('pass')])).toBe('pass');
    expect(verdictOf([result('pass'), result('fail'), result('error')])).toBe('fail');
    expect(verdictOf([result('pass'), result('inconclusive')])).toBe('inconclusive');
    expect(verdictOf([result('pass'), result('error')])).toBe('inconclusive');
    // No checks evaluated is no evidence, not a pass.
    expect(verdictOf([])).toBe('inconclusive');
  });
});

describe('CheckStreak', () => {
  it('counts failures and inconclusive evaluations in a row, from when the streak began', () => {
    const streak = new CheckStreak();
    streak.count('inconclusive', 10);
    expect([streak.failures, streak.inconclusive, streak.startedAt]).toEqual([0, 1, 10]);
    // A failure after inconclusive evaluations starts a failure streak of its own.
    streak.count('fail', 20);
    streak.count('fail', 30);
    expect([streak.failures, streak.inconclusive, streak.startedAt]).toEqual([2, 0, 20]);
    // An inconclusive evaluation after failures ends the failure streak but not its start.
    streak.count('inconclusive', 40);
    expect([streak.failures, streak.inconclusive, streak.startedAt]).toEqual([0, 1, 20]);
    streak.count('pass', 50);
    expect([streak.failures, streak.inconclusive, streak.startedAt]).toEqual([0, 0, undefined]);
  });
});
