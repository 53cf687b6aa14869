import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApplyScheduler } from './apply-scheduler.js';

describe('ApplyScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs tasks in deadline order, equal deadlines in scheduling order, none early', () => {
    const scheduler = new ApplyScheduler();
    const ran: string[] = [];
    scheduler.schedule(1_000_300, () => ran.push('c'));
    scheduler.schedule(1_000_100, () => ran.push('a'));
    scheduler.schedule(1_000_200, () => ran.push('b1'));
    scheduler.schedule(1_000_200, () => ran.push('b2'));
    vi.advanceTimersByTime(150);
    expect(ran).toEqual(['a']);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(['a', 'b1', 'b2', 'c']);
    expect(scheduler.size).toBe(0);
  });

  it('re-arms for an earlier deadline scheduled after a later one', () => {
    const scheduler = new ApplyScheduler();
    const ran: string[] = [];
    scheduler.schedule(1_005_000, () => ran.push('late'));
    scheduler.schedule(1_000_010, () => ran.push('early'));
    vi.advanceTimersByTime(20);
    expect(ran).toEqual(['early']);
  });

  it('drops every task on stop', () => {
    const scheduler = new ApplyScheduler();
    const ran: string[] = [];
    scheduler.schedule(1_000_010, () => ran.push('x'));
    scheduler.stop();
    scheduler.schedule(1_000_020, () => ran.push('y'));
    vi.advanceTimersByTime(100);
    expect(ran).toEqual([]);
  });
});
