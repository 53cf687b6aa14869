/** `rollback`: back to the stable slot, verified. */
import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../errors.js';
import { deployed, recordIn, world } from './__fixtures__/operations-world.js';

describe('manual rollback', () => {
  it('flips a finished release back to the warm previous slot', async () => {
    const w = world();
    await deployed(w);
    await w.engine().release();
    const summary = await w.engine().rollback();
    expect(summary.outcome).toBe('rolled-back');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(recordIn(w)?.activeSlot).toBe('blue');
    expect(summary.rollback?.verified).toBe(true);
    // A second rollback is a no-op.
    expect((await w.engine().rollback()).outcome).toBe('no-op');
  });

  it('has nothing to roll back on a fresh service', async () => {
    const w = world();
    await expect(w.engine().rollback()).rejects.toBeInstanceOf(InvalidStateError);
    expect(w.cluster.writes).toEqual([]);
  });
});
