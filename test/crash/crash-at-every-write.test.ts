/**
 * Crash at every write, on the simulator: deploy, a canary and a blue/green release,
 * promote and rollback, each killed with SIGKILL right after every one of its writes of
 * state is accepted, then re-run (and, separately, rolled back); every invariant of
 * `crash-harness.ts` must hold at every point. Prints the crash points it covered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastScenario, startTestbed, type Testbed } from '@switchyard/test-utils';
import {
  CrashHarness,
  type CrashPointResult,
  type CrashReference,
  type Recovery,
} from './crash-harness.js';
import { canonicalJson } from './api-writes.js';
import { CRASH_OPERATIONS } from './operations.js';
import { simulatedCrashCluster } from './simulated-crash-cluster.js';

/** Crash points run side by side (each in its own namespace). */
const CONCURRENCY = 3;

let bed: Testbed;
let harness: CrashHarness;
let references: CrashReference[] = [];

beforeAll(async () => {
  bed = await startTestbed({ scenario: fastScenario({ clients: [] }), prometheus: false });
  harness = await CrashHarness.create(simulatedCrashCluster(bed.sim));
});

afterAll(async () => {
  await harness?.dispose();
  await bed?.stop();
});

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

describe('a command killed right after each of its writes', () => {
  it('recovers by a re-run or a rollback with every invariant kept, at every write', async () => {
    const started = Date.now();
    references = await pooled(
      CRASH_OPERATIONS.filter((o) => (process.env.CRASH_DEV ?? '').split(',').includes(o.id)).map(
        (operation) => () => harness.reference(operation),
      ),
      CONCURRENCY,
    );
    const points: (() => Promise<CrashPointResult>)[] = [];
    for (const reference of references) {
      const recoveries: Recovery[] =
        reference.operation.command[0] === 'rollback' ? ['rerun'] : ['rerun', 'rollback'];
      for (let k = 1; k <= reference.writes.length; k += Number(process.env.CRASH_STEP ?? 1)) {
        for (const recovery of recoveries)
          points.push(() => harness.crashPoint(reference, k, recovery));
      }
    }
    const results = await pooled(points, CONCURRENCY);
    console.log(
      JSON.stringify(
        references.map((r) => ({
          n: r.operation.name,
          w: r.writes.map((w) => `${w.verb} ${w.resource} ${w.name}`),
          s: r.routeStates.length,
          f: r.finalState,
        })),
        null,
        1,
      ),
    );
    console.log(JSON.stringify(results, null, 1));

    const lines = references.map((reference) => {
      const mine = results.filter((r) => r.operation === reference.operation.name);
      const kinds = Object.entries(reference.kinds)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      return `  ${reference.operation.name}: ${reference.writes.length} crash points (${kinds}), ${mine.length} crashes recovered`;
    });
    console.log(
      `crash harness (simulator): ${results.length} crashes at ${references.reduce((n, r) => n + r.writes.length, 0)} crash points in ${Math.round((Date.now() - started) / 1000)} s\n${lines.join('\n')}`,
    );
    // Every operation writes: the harness cannot pass by crashing nothing.
    for (const reference of references)
      expect(reference.writes.length, reference.operation.name).toBeGreaterThan(1);
    expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
  }, 900_000);

  it("leaves the Lease to another pipeline only once the crashed run's claim lapsed", async () => {
    const canary = references.find((r) => r.operation.id === 'canary');
    expect(canary, 'the canary reference of the first test').toBeDefined();
    // Killed right after its first route change (weights 50/50): the release is half-applied.
    const { writes, routeStates } = canary as CrashReference;
    const k =
      writes.findIndex((w) => w.object && canonicalJson(w.object.spec) === routeStates[1]) + 1;
    expect(k).toBeGreaterThan(0);
    expect(await harness.takeOver(canary as CrashReference, k)).toEqual([]);
  });
});
