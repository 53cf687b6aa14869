import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../store/object-store.js';
import { DeadlineQueue } from './deadline-queue.js';
import { WorkQueue } from './work-queue.js';
import { waitFor } from './__fixtures__/sim-cluster.js';

const queues: { stop(): void }[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.stop();
});

describe('WorkQueue', () => {
  it('runs after the current turn, once per key however often it was added', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue({ handle: (key) => runs.push(key) });
    queues.push(queue);
    queue.add('a');
    queue.add('b');
    queue.add('a');
    expect(runs).toEqual([]);
    await waitFor(() => runs.length === 2, 'both keys ran');
    expect(runs).toEqual(['a', 'b']);
  });

  it('retries a conflict at once and other failures with backoff, reporting the latter', async () => {
    let attempts = 0;
    const errors: unknown[] = [];
    const queue = new WorkQueue({
      handle: () => {
        attempts += 1;
        if (attempts === 1) throw new StoreError('Conflict', 409, 'modified');
        if (attempts === 2) throw new Error('boom');
      },
      onError: (_key, error) => errors.push(error),
    });
    queues.push(queue);
    queue.add('k');
    await waitFor(() => attempts === 3, 'third attempt');
    expect(errors).toEqual([new Error('boom')]);
  });

  it('spaces runs of an expensive key instead of dropping them', async () => {
    const runs: number[] = [];
    const queue = new WorkQueue({
      handle: () => {
        runs.push(Date.now());
        const end = performance.now() + 5;
        while (performance.now() < end) {
          // An expensive rebuild.
        }
      },
      spacing: (ms) => ms * 10,
    });
    queues.push(queue);
    queue.add('big');
    await waitFor(() => runs.length === 1, 'first run');
    queue.add('big');
    await waitFor(() => runs.length === 2, 'second run, later');
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(40);
  });

  it('accepts nothing after stop', async () => {
    const runs: string[] = [];
    const queue = new WorkQueue({ handle: (key) => runs.push(key) });
    queue.add('a');
    queue.stop();
    queue.add('b');
    queue.addAfter('c', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toEqual([]);
  });
});

describe('DeadlineQueue', () => {
  it('delivers keys when due, oldest first, honouring moves and cancellations', async () => {
    const due: string[] = [];
    const deadlines = new DeadlineQueue((keys) => due.push(...keys));
    queues.push({ stop: () => deadlines.clear() });
    const now = Date.now();
    deadlines.schedule('late', now + 30);
    deadlines.schedule('early', now + 10);
    deadlines.schedule('moved', now + 5);
    deadlines.schedule('moved', now + 20);
    deadlines.schedule('cancelled', now + 15);
    deadlines.cancel('cancelled');
    expect(deadlines.dueAt('moved')).toBe(now + 20);
    await waitFor(() => due.length === 3, 'three due');
    expect(due).toEqual(['early', 'moved', 'late']);
    expect([...deadlines.keys()]).toEqual([]);
  });
});
