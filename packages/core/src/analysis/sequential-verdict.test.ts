import { describe, expect, it } from 'vitest';
import { combineVerdicts } from './sequential-verdict.js';

describe('combined verdict', () => {
  it('rolls back when any check says so, naming it', () => {
    const combined = combineVerdicts([
      { name: 'errors', verdict: 'promote', reason: 'fine' },
      { name: 'latency', verdict: 'rollback', reason: 'slow' },
    ]);
    expect(combined).toEqual({
      verdict: 'rollback',
      reason: 'latency: slow',
      decidedBy: ['latency'],
    });
  });

  it('promotes only when every check says so', () => {
    expect(
      combineVerdicts([
        { name: 'errors', verdict: 'promote', reason: 'a' },
        { name: 'latency', verdict: 'promote', reason: 'b' },
      ]),
    ).toEqual({
      verdict: 'promote',
      reason: 'errors: a; latency: b',
      decidedBy: ['errors', 'latency'],
    });
    const waiting = combineVerdicts([
      { name: 'errors', verdict: 'promote', reason: 'a' },
      { name: 'latency', verdict: 'continue', reason: 'no evidence: no events' },
    ]);
    expect(waiting).toEqual({
      verdict: 'continue',
      reason: 'latency: no evidence: no events',
      decidedBy: ['latency'],
    });
  });

  it('never promotes on no checks at all', () => {
    expect(combineVerdicts([]).verdict).toBe('continue');
  });
});
