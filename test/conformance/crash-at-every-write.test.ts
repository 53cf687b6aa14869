/**
 * Crash at every write, sampled, on the real control plane: for deploy, the canary and the
 * blue/green release, promote and rollback, the CLI is SIGKILLed right after the first write
 * of each kind (Lease create and update, VirtualService patch, Deployment update) and after
 * its last write, then re-run; the middle point is also recovered by `rollback`. What each
 * point wrote is read back from the API server's audit log, and every invariant of
 * `test/crash/crash-harness.ts` must hold. Prints the crash points it covered.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CrashHarness,
  type CrashPointResult,
  type CrashReference,
  type Recovery,
} from '../crash/crash-harness.js';
import { isCrashPoint } from '../crash/api-writes.js';
import { CRASH_OPERATIONS } from '../crash/operations.js';
import { realCrashCluster } from '../crash/real-crash-cluster.js';

const info = inject('realCluster');
let harness: CrashHarness;

beforeAll(async () => {
  harness = await CrashHarness.create(realCrashCluster(info));
});
afterAll(async () => {
  await harness?.dispose();
});

/** The first write of each kind and the last write: the sampled crash points (1-based). */
function sampledPoints(reference: CrashReference): number[] {
  const points = new Set<number>();
  const seen = new Set<string>();
  reference.writes.filter(isCrashPoint).forEach((write, index) => {
    const kind = `${write.verb} ${write.resource}`;
    if (!seen.has(kind)) points.add(index + 1);
    seen.add(kind);
  });
  points.add(reference.writes.length);
  return [...points].sort((a, b) => a - b);
}

describe('a command killed right after a write of each kind, on the real test bed', () => {
  for (const operation of CRASH_OPERATIONS) {
    it(`${operation.name} recovers by a re-run or a rollback with every invariant kept`, async () => {
      const reference = await harness.reference(operation);
      const points = sampledPoints(reference);
      const middle = points[Math.floor(points.length / 2)] as number;
      const crashes: [number, Recovery][] = points.map((k) => [k, 'rerun']);
      if (operation.command[0] !== 'rollback') crashes.push([middle, 'rollback']);
      const results: CrashPointResult[] = [];
      for (const [k, recovery] of crashes) {
        const result = await harness.crashPoint(reference, k, recovery);
        if (result.failures.length > 0) {
          console.error(`crash point ${k} (${recovery}):\n${result.failures.join('\n')}`);
        }
        results.push(result);
      }
      const kinds = Object.entries(reference.kinds)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      console.log(
        `crash harness (real test bed): ${operation.name}: points ${points.join(', ')} of ${reference.writes.length} (${kinds}), ${results.length} crashes; killed after: ${[...new Set(results.map((r) => r.killedAfter.replace(/ \S+$/, '')))].join(', ')}`,
      );
      expect(results.filter((r) => r.failures.length > 0)).toEqual([]);
    }, 1_200_000);
  }
});
