/**
 * Concurrency and a hostile API end to end: a second release while one runs is refused with
 * the holder named; a manual VirtualService edit mid-release is detected and kept; and a
 * release under 10% injected API errors and throttling still succeeds, each step once.
 */
import {
  deploy,
  readSlotWeights,
  release,
  type ReleaseEvent,
  type VirtualService,
} from '@switchyard/core';
import { LockHeldError, ConcurrentEditError } from '@switchyard/core/errors';
import { GOOD_IMAGE, startTestbed, waitFor, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

describe('two pipelines and a person', () => {
  it('refuses a second release naming the holder, then detects and keeps a manual edit', async () => {
    await deploy({ ...bed.operationOptions('pipeline-a'), image: GOOD_IMAGE });
    const events: ReleaseEvent[] = [];
    const running = release({
      ...bed.operationOptions('pipeline-a'),
      strategy: { steps: [{ weight: 20 }, { bake: '30s' }, { weight: 100 }] },
      onEvent: (e) => events.push(e),
    }).catch((e: unknown) => e);
    await waitFor(() => events.some((e) => e.type === 'bake-started'), {
      timeoutMs: 30_000,
      description: 'the bake',
    });

    const second = await release(bed.operationOptions('pipeline-b')).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(LockHeldError);
    expect((second as LockHeldError).holder).toBe('pipeline-a');
    expect((second as Error).message).toMatch(/held by "pipeline-a" until/);

    // Someone moves the weights by hand in the middle of the bake.
    await bed.kubectl([
      '-n',
      'bookinfo',
      'patch',
      'virtualservice',
      'reviews',
      '--type',
      'json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
        { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
      ]),
    ]);
    const outcome = await running;
    expect(outcome).toBeInstanceOf(ConcurrentEditError);
    expect((outcome as Error).message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    // Their edit stands; switchyard recorded that a human must decide.
    const vs = await bed.virtualService();
    expect(readSlotWeights(vs, target)).toEqual({ blue: 50, green: 50 });
    expect(JSON.parse(vs.metadata.annotations?.['switchyard.dev/release'] ?? '{}')).toMatchObject({
      phase: 'failed',
    });
  });
});

describe('an API server failing 10% of requests', () => {
  it('still completes a full release, applying each step exactly once', async () => {
    // Start from a clean state: back to blue with a verified rollback, then deploy again.
    const { rollback } = await import('@switchyard/core');
    await rollback(bed.operationOptions('pipeline-c'));
    await deploy({ ...bed.operationOptions('pipeline-c'), image: GOOD_IMAGE });

    const weightHistory: number[] = [0];
    const vsType = bed.sim.registry.byPlural('networking.istio.io', 'virtualservices')!;
    const unsubscribe = bed.sim.store.subscribe((event) => {
      if (event.resource !== vsType || event.object.metadata.name !== 'reviews') return;
      const green = readSlotWeights(event.object as unknown as VirtualService, target).green;
      if (weightHistory.at(-1) !== green) weightHistory.push(green);
    });
    bed.sim.controls.setApiFaults(
      [
        { verbs: [], resources: [], rate: 0.05, kind: 'error', retryAfterSeconds: 1 },
        { verbs: [], resources: [], rate: 0.05, kind: 'throttle', retryAfterSeconds: 1 },
      ],
      0,
    );
    try {
      const summary = await release({
        ...bed.operationOptions('pipeline-c'),
        strategy: { type: 'canary', bake: '2s' },
      });
      expect(summary.outcome).toBe('released');
      expect(weightHistory).toEqual([0, 10, 25, 50, 100]);
    } finally {
      bed.sim.controls.setApiFaults([], 0);
      unsubscribe();
    }
    expect(readSlotWeights(await bed.virtualService(), target)).toEqual({ blue: 0, green: 100 });
  });
});
