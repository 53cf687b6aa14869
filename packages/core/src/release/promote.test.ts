/** `promote`: a paused release continues (or goes straight to 100%). */
import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../errors.js';
import type { ReleaseSpecOverrides } from '../spec/release-spec.js';
import { deployed, recordIn, world } from './__fixtures__/operations-world.js';

describe('pause and promote', () => {
  it('stops at a pause step and completes on promote', async () => {
    const w = world();
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: {
        steps: [{ weight: 10 }, { bake: '30s' }, { pause: true }, { weight: 100 }, { bake: '30s' }],
      },
    };
    const paused = await w.engine(overrides).release();
    expect(paused.outcome).toBe('paused');
    expect(w.weights()).toEqual({ blue: 90, green: 10 });
    expect(recordIn(w)?.phase).toBe('paused');
    // Running release again while paused says so, without changing anything.
    const writes = w.cluster.writes.length;
    expect((await w.engine(overrides).release()).outcome).toBe('paused');
    expect(w.cluster.writes.length).toBe(writes);
    const done = await w.engine(overrides).promote();
    expect(done.outcome).toBe('released');
    expect(w.weights()).toEqual({ blue: 0, green: 100 });
    // Promote run again by the same pipeline (killed after its last write): nothing to do.
    const again = await w.engine(overrides).promote();
    expect(again.outcome).toBe('no-op');
    expect(w.weights()).toEqual({ blue: 0, green: 100 });
    await expect(
      w.engine(overrides, { holderIdentity: 'other-pipeline' }).promote(),
    ).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('promote --full goes straight to 100%, still gated and baked', async () => {
    const w = world();
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: {
        steps: [
          { weight: 10 },
          { pause: true },
          { weight: 50 },
          { bake: '30s' },
          { weight: 100 },
          { bake: '30s' },
        ],
      },
    };
    await w.engine(overrides).release();
    w.events.length = 0;
    await w.engine(overrides).promote({ full: true });
    const applied = w.events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => (e.type === 'routes-applied' ? e.weights?.green : 0));
    expect(applied).toEqual([100, 100]); // the 100% step, then finalize
    expect(w.events.some((e) => e.type === 'bake-started')).toBe(true);
  });

  it('run again after it was killed mid-way, continues the release without applying a step twice', async () => {
    const w = world();
    await deployed(w);
    const overrides: ReleaseSpecOverrides = {
      strategy: {
        steps: [{ weight: 10 }, { pause: true }, { weight: 50 }, { bake: '30s' }, { weight: 100 }],
      },
    };
    expect((await w.engine(overrides).release()).outcome).toBe('paused');
    const controller = new AbortController();
    w.metrics.script = () => {
      controller.abort(new Error('process killed'));
      return 'pass';
    };
    await expect(w.engine(overrides).promote({ signal: controller.signal })).rejects.toThrow();
    expect(recordIn(w)?.phase).toBe('releasing');
    expect(w.weights()).toEqual({ blue: 50, green: 50 });
    w.metrics.script = () => 'pass';
    w.events.length = 0;
    expect((await w.engine(overrides).promote()).outcome).toBe('released');
    const applied = w.events
      .filter((e) => e.type === 'routes-applied')
      .map((e) => (e.type === 'routes-applied' ? e.weights?.green : 0));
    expect(applied).toEqual([100, 100]); // the 100% step, then finalize: 50% not again
    expect(w.gate.sinceCalls).toHaveLength(1);
  });

  it('refuses to promote when nothing is paused', async () => {
    const w = world();
    await deployed(w);
    await expect(w.engine().promote()).rejects.toBeInstanceOf(InvalidStateError);
  });
});
