import type { ReleaseEvent } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { CliContext } from '../cli-context.js';
import { PlainProgress } from './plain-progress.js';

function capture(): { context: CliContext; lines: string[] } {
  const lines: string[] = [];
  const sink = {
    write: (chunk: string) => {
      lines.push(...chunk.split('\n').filter((l) => l !== ''));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { context: new CliContext({ stdout: sink, stderr: sink }, {}), lines };
}

const T0 = Date.parse('2026-11-21T12:00:00.000Z');

function progress(at: number, synced: number): ReleaseEvent {
  return { type: 'sync-progress', at: T0 + at, synced, total: 9, elapsedMs: at, slowest: [] };
}

describe('PlainProgress', () => {
  it('prints one timestamped line per event, without colour on a pipe', () => {
    const { context, lines } = capture();
    new PlainProgress(context).onEvent({
      type: 'step-started',
      at: T0 + 1234,
      index: 1,
      total: 8,
      step: { weight: 25 },
    });
    expect(lines).toEqual(['2026-11-21T12:00:01.234Z step 2/8: weight 25%']);
  });

  it('throttles sync progress to one line per second and always prints the last one', () => {
    const { context, lines } = capture();
    const plain = new PlainProgress(context);
    plain.onEvent({ type: 'sync-started', at: T0, reason: 'weights' });
    for (let ms = 100; ms <= 2500; ms += 100) plain.onEvent(progress(ms, Math.floor(ms / 300)));
    plain.onEvent({ type: 'sync-completed', at: T0 + 2600, synced: 9, total: 9, durationMs: 2600 });
    const polls = lines.filter((l) => l.includes('proxies synced'));
    // Printed at 1.0s and 2.0s (one per second), then the held 2.5s poll before "acked".
    expect(polls.map((l) => l.slice(0, 24))).toEqual([
      '2026-11-21T12:00:01.000Z',
      '2026-11-21T12:00:02.000Z',
      '2026-11-21T12:00:02.500Z',
    ]);
    expect(lines.at(-1)).toContain('all 9 proxies in scope acked');
  });

  it('prints a held progress line when stopped', () => {
    const { context, lines } = capture();
    const plain = new PlainProgress(context);
    plain.onEvent({ type: 'sync-started', at: T0, reason: 'weights' });
    plain.onEvent(progress(300, 2));
    expect(lines).toHaveLength(1);
    plain.stop();
    expect(lines.at(-1)).toContain('proxies synced 2/9');
  });
});
