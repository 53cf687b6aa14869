/**
 * A pipeline killed with SIGKILL in the middle of a bake: a new process (same pipeline
 * identity) resumes at the recorded step, re-runs the sync gate, and never applies a step
 * twice. The VirtualService's write history, watched from the simulator's store, proves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readSlotWeights, type OperationInput, type VirtualService } from '@switchyard/core';
import { GOOD_IMAGE, startTestbed, waitFor, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const RUNNER = fileURLToPath(new URL('./fixtures/run-operation.mjs', import.meta.url));
const target = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: { blue: 'blue', green: 'green' },
};
let bed: Testbed;

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
});
afterAll(() => bed?.stop());

interface Line {
  event?: { type: string; resumed?: boolean; index?: number };
  summary?: { outcome: string; resumed: boolean };
  error?: { code: string; message: string };
}

function runOperation(
  operation: string,
  options: OperationInput,
): { child: ChildProcess; lines: Line[]; done: Promise<number | null> } {
  const child = spawn(process.execPath, [RUNNER, operation, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (line) =>
    lines.push(JSON.parse(line) as Line),
  );
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, done };
}

const options = (): OperationInput =>
  bed.operationOptions('pipeline-run-7', { strategy: { type: 'canary', bake: '4s' } });

describe('a release killed with SIGKILL during a bake', () => {
  it('resumes at the same step in a new process without applying any step twice', async () => {
    // Every distinct green weight the VirtualService ever had, in order.
    const weightHistory: number[] = [];
    const vsType = bed.sim.registry.byPlural('networking.istio.io', 'virtualservices')!;
    const unsubscribe = bed.sim.store.subscribe((event) => {
      if (event.resource !== vsType || event.object.metadata.name !== 'reviews') return;
      const green = readSlotWeights(event.object as unknown as VirtualService, target).green;
      if (weightHistory.at(-1) !== green) weightHistory.push(green);
    });
    try {
      const deployed = runOperation('deploy', {
        ...options(),
        image: GOOD_IMAGE,
      } as OperationInput);
      expect(await deployed.done).toBe(0);
      // From here on: the release starts from green 0.
      weightHistory.length = 0;
      weightHistory.push(0);

      const first = runOperation('release', options());
      // Kill it in the bake of the second weight step (25%).
      await waitFor(() => first.lines.filter((l) => l.event?.type === 'bake-started').length >= 2, {
        timeoutMs: 60_000,
        description: 'the second bake to start',
      });
      first.child.kill('SIGKILL');
      expect(await first.done).toBeNull();
      expect(weightHistory).toEqual([0, 10, 25]);
      const record = JSON.parse(
        (
          await bed.kubectlJson<VirtualService>([
            '-n',
            'bookinfo',
            'get',
            'virtualservice',
            'reviews',
          ])
        ).metadata.annotations?.['switchyard.dev/release'] ?? '{}',
      ) as { phase: string; operation: { stage: string; stepIndex: number } };
      expect(record.phase).toBe('releasing');
      expect(record.operation).toMatchObject({ stage: 'baking', stepIndex: 3 });

      const second = runOperation('release', options());
      expect(await second.done).toBe(0);
      const started = second.lines.find((l) => l.event?.type === 'operation-started');
      expect(started?.event?.resumed).toBe(true);
      // It resumed at the recorded step (the 25% bake), not at step 0.
      const firstStep = second.lines.find((l) => l.event?.type === 'step-started');
      expect(firstStep?.event?.index).toBe(3);
      // The sync gate ran again before anything else happened.
      const types = second.lines.map((l) => l.event?.type).filter(Boolean);
      expect(types.indexOf('sync-completed')).toBeLessThan(types.indexOf('bake-started'));
      expect(second.lines.at(-1)?.summary).toMatchObject({ outcome: 'released', resumed: true });
      // Each weight applied exactly once over both processes.
      expect(weightHistory).toEqual([0, 10, 25, 50, 100]);
    } finally {
      unsubscribe();
    }
  });
});
