import { describe, expect, it } from 'vitest';
import {
  maxSurgeOf,
  maxUnavailableOf,
  resolveFenceposts,
  valueFromIntOrPercent,
} from './rolling-update-bounds.js';

describe('rolling update bounds', () => {
  it('rounds surge up and unavailability down, like Kubernetes', () => {
    expect(valueFromIntOrPercent('25%', 10, true)).toBe(3);
    expect(valueFromIntOrPercent('25%', 10, false)).toBe(2);
    expect(valueFromIntOrPercent(4, 10, true)).toBe(4);
    expect(() => valueFromIntOrPercent('3', 10, true)).toThrow(/not a percentage/);
  });

  // The cases documented on Kubernetes' ResolveFenceposts.
  it.each([
    [2, '0%', '1%', 0, 1],
    [1, '0%', '1%', 0, 1],
    [2, '1%', '25%', 1, 0],
    [1, '1%', '25%', 1, 0],
    [2, '1%', '0%', 1, 0],
    [1, '1%', '0%', 1, 0],
  ])(
    'desired %i, surge %s, unavailable %s -> %i/%i',
    (desired, surge, unavailable, wantSurge, wantUnavailable) => {
      expect(resolveFenceposts(surge, unavailable, desired)).toEqual({
        maxSurge: wantSurge,
        maxUnavailable: wantUnavailable,
      });
    },
  );

  it('applies only to rolling updates and never exceeds the replicas', () => {
    const rolling = {
      replicas: 4,
      strategyType: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    };
    expect(maxSurgeOf(rolling)).toBe(1);
    expect(maxUnavailableOf(rolling)).toBe(1);
    expect(
      maxUnavailableOf({ ...rolling, rollingUpdate: { maxSurge: 0, maxUnavailable: 9 } }),
    ).toBe(4);
    expect(maxUnavailableOf({ ...rolling, replicas: 0 })).toBe(0);
    expect(maxSurgeOf({ replicas: 4, strategyType: 'Recreate' })).toBe(0);
    expect(maxUnavailableOf({ replicas: 4, strategyType: 'Recreate' })).toBe(0);
  });
});
