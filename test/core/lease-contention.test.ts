/**
 * Two pipelines, two processes, one Lease: exactly one wins; the other is told who holds it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CONTENDER = fileURLToPath(new URL('./fixtures/contend-for-lease.mjs', import.meta.url));
let bed: SimulatedCluster;

beforeAll(async () => {
  bed = await startSimulatedCluster();
});
afterAll(() => bed?.stop());

type Answer = { acquired?: string; refused?: { holder: string } };

/** A contender started and loaded: its answers, line by line, and its exit. */
async function startContender(identity: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    CONTENDER,
    bed.sim.kubeconfigPath,
    identity,
  ]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`contender ${identity} exited ${code}: ${stderr}`);
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true }))]);
    if (!('value' in line) || line.done)
      throw new Error(`contender ${identity} said nothing: ${stderr}`);
    return line.value;
  };
  expect(await next()).toBe('ready');
  return { child, next, exited };
}

describe('the release Lease', () => {
  it('is won by exactly one of two processes racing for it', async () => {
    for (let round = 0; round < 3; round++) {
      // Both are loaded before either starts; the winner holds until both have answered.
      const contenders = await Promise.all(
        ['pipeline-a', 'pipeline-b'].map((identity) => startContender(`${identity}-${round}`)),
      );
      for (const c of contenders) c.child.stdin.write('go\n');
      const outputs = await Promise.all(
        contenders.map(async (c) => JSON.parse(await c.next()) as Answer),
      );
      for (const c of contenders) c.child.stdin.end();
      await Promise.all(contenders.map((c) => c.exited));
      const winners = outputs.filter((o) => o.acquired);
      const losers = outputs.filter((o) => o.refused);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(1);
      expect(losers[0]?.refused?.holder).toBe(winners[0]?.acquired);
    }
  });
});
