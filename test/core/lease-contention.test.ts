/**
 * Two pipelines, two processes, one Lease: exactly one wins; the other is told who holds it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CONTENDER = fileURLToPath(new URL('./fixtures/contend-for-lease.mjs', import.meta.url));
let bed: SimulatedCluster;

beforeAll(async () => {
  bed = await startSimulatedCluster();
});
afterAll(() => bed?.stop());

describe('the release Lease', () => {
  it('is won by exactly one of two processes racing for it', async () => {
    for (let round = 0; round < 3; round++) {
      // Both start at the same instant, well after they have loaded.
      const startAt = String(Date.now() + 2_500);
      const outputs = await Promise.all(
        ['pipeline-a', 'pipeline-b'].map(async (identity) => {
          const { stdout } = await run(process.execPath, [
            CONTENDER,
            bed.sim.kubeconfigPath,
            `${identity}-${round}`,
            startAt,
          ]);
          return JSON.parse(stdout.trim()) as { acquired?: string; refused?: { holder: string } };
        }),
      );
      const winners = outputs.filter((o) => o.acquired);
      const losers = outputs.filter((o) => o.refused);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]?.refused?.holder).toBe(winners[0]?.acquired);
    }
  });
});
