import type { ReleaseEvent } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CliContext } from '../cli-context.js';
import { LiveProgress } from './live-progress.js';

// Built from a string: a control character in a regex literal trips no-control-regex.
const ESCAPES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');
let live: LiveProgress | undefined;

afterEach(() => live?.stop());

function terminal(): { context: CliContext; writes: string[] } {
  const writes: string[] = [];
  const stdout = {
    isTTY: true,
    columns: 120,
    rows: 40,
    write: (chunk: string) => {
      writes.push(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { context: new CliContext({ stdout, stderr: stdout }, { NO_COLOR: '1' }), writes };
}

const at = Date.now();
const EVENTS: ReleaseEvent[] = [
  {
    type: 'operation-started',
    at,
    operation: 'release',
    id: 'abc123',
    service: 'reviews',
    namespace: 'bookinfo',
    resumed: false,
  },
  { type: 'phase-changed', at, phase: 'releasing', previous: 'deployed' },
  { type: 'step-started', at, index: 2, total: 8, step: { weight: 50 } },
  {
    type: 'routes-applied',
    at,
    object: { kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews' },
    description: 'weights',
    resourceVersion: '42',
    weights: { blue: 50, green: 50 },
  },
  { type: 'sync-started', at, reason: 'weights blue 50 / green 50' },
  {
    type: 'sync-progress',
    at,
    synced: 7,
    total: 9,
    elapsedMs: 800,
    slowest: [
      { proxy: 'productpage-1.bookinfo', istiod: 'istiod-a', state: 'STALE', waitingMs: 800 },
      { proxy: 'reviews-blue-2.bookinfo', istiod: 'istiod-b', state: 'STALE', waitingMs: 700 },
    ],
  },
];

describe('LiveProgress', () => {
  it('redraws one block with the step, the weights bar, sync with the slowest proxy, checks', () => {
    const { context, writes } = terminal();
    live = LiveProgress.start(context);
    for (const event of EVENTS) live.onEvent(event);
    live.onEvent({
      type: 'checks-evaluated',
      at,
      verdict: 'pass',
      consecutiveFailures: 0,
      consecutiveInconclusive: 0,
      results: [{ name: 'success-rate', query: 'q', min: 99, at, outcome: 'pass', value: 99.8 }],
    });
    const frame = (writes.at(-1) ?? '').replace(ESCAPES, '');
    expect(frame).toContain('release bookinfo/reviews (operation abc123)');
    expect(frame).toContain('phase releasing');
    expect(frame).toContain('step     3/8  weight 50%');
    expect(frame).toMatch(/weights {2}\[█{15}░{15}\] blue 50 \/ green 50/);
    expect(frame).toContain('7/9 synced');
    expect(frame).toContain('slowest pending productpage-1.bookinfo STALE 800ms +1');
    expect(frame).toContain('checks   pass: success-rate=99.8');
    // Redrawn in place: every frame after the first erases the previous one.
    expect(writes.slice(1).every((w) => w.startsWith('\u001b[2K'))).toBe(true);
  });

  it('keeps rollbacks on screen above the block and erases the block when stopped', () => {
    const { context, writes } = terminal();
    live = LiveProgress.start(context);
    for (const event of EVENTS) live.onEvent(event);
    live.onEvent({ type: 'rollback-started', at, reason: 'checks-failed', message: 'fail x2' });
    const persisted = writes.find((w) => w.includes('rolling back (checks-failed): fail x2'));
    expect(persisted).toMatch(/^\d\d:\d\d:\d\d rolling back/);
    const before = writes.length;
    live.stop();
    expect(writes.length).toBe(before + 1);
    expect(writes.at(-1)?.replace(ESCAPES, '')).toBe('');
    live.onEvent({ type: 'operation-finished', at, outcome: 'rolled-back' });
    expect(writes.length).toBe(before + 1);
  });
});
