/**
 * The simulator tier of crash at every write, for one operation: a simulator, then the
 * operation run uninterrupted (its writes of state are the crash points), then killed with
 * SIGKILL right after each of them and recovered by a re-run and, separately, by `rollback`;
 * every invariant of `crash-harness.ts` must hold at every point. Prints the crash points it
 * covered. Each operation has a test file of its own so the files share the two workers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import {
  CrashHarness,
  type CrashPointResult,
  type CrashReference,
  type Recovery,
} from './crash-harness.js';
import { CRASH_OPERATIONS } from './operations.js';
import { simulatedCrashCluster } from './simulated-crash-cluster.js';

/** Crash points run side by side (each in its own namespace). */
const CONCURRENCY = 3;

/** Runs `tasks` with at most `limit` at a time; results in order. */
async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** What a suite hands to tests of its own. */
export interface CrashSuite {
  harness(): CrashHarness;
  /** The uninterrupted run (after the every-write test ran). */
  reference(): CrashReference;
}

/** Declares the every-write test of operation `id` (see `operations.ts`). */
export function describeCrashAtEveryWrite(id: string, more?: (suite: CrashSuite) => void): void {
  const operation = CRASH_OPERATIONS.find((o) => o.id === id);
  if (!operation) throw new Error(`no crash operation ${id}`);
  let bed: SimulatedCluster;
  let harness: CrashHarness;
  let reference: CrashReference | undefined;

  beforeAll(async () => {
    bed = await startSimulatedCluster({ scenario: { clients: [] }, prometheus: false });
    harness = await CrashHarness.create(simulatedCrashCluster(bed.sim));
  });
  afterAll(async () => {
    await harness?.dispose();
    await bed?.stop();
  });

  describe(`${operation.name} killed right after each of its writes`, () => {
    it('recovers by a re-run or a rollback with every invariant kept, at every write', async () => {
      const started = Date.now();
      const uninterrupted = await harness.reference(operation);
      reference = uninterrupted;
      // Every operation writes: the harness cannot pass by crashing nothing.
      expect(uninterrupted.writes.length).toBeGreaterThan(1);
      const recoveries: Recovery[] =
        operation.command[0] === 'rollback' ? ['rerun'] : ['rerun', 'rollback'];
      const points: (() => Promise<CrashPointResult>)[] = [];
      for (let k = 1; k <= uninterrupted.writes.length; k++) {
        for (const recovery of recoveries) {
          points.push(async () => {
            const result = await harness.crashPoint(uninterrupted, k, recovery);
            if (result.failures.length > 0) {
              console.error(
                `crash point ${k} (${recovery}) of ${operation.name}:\n${result.failures.join('\n')}`,
              );
            }
            return result;
          });
        }
      }
      const results = await pooled(points, CONCURRENCY);
      const kinds = Object.entries(uninterrupted.kinds)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      console.log(
        `crash harness (simulator): ${operation.name}: ${uninterrupted.writes.length} crash points (${kinds}), ${results.length} crashes recovered (${recoveries.join(' and ')}) in ${Math.round((Date.now() - started) / 1000)} s`,
      );
      expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
    }, 900_000);

    more?.({
      harness: () => harness,
      reference: () => {
        if (!reference) throw new Error('the every-write test did not run');
        return reference;
      },
    });
  });
}
