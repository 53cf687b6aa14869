import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PushDebouncer, type PushRequest } from './push-debouncer.js';

const change = (name: string): PushRequest['changes'][number] => ({
  kind: 'VirtualService',
  namespace: 'bookinfo',
  name,
  versions: [],
});

describe('PushDebouncer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('merges events until the quiet period passes, full when any event is', () => {
    const pushes: PushRequest[] = [];
    const debouncer = new PushDebouncer((r) => pushes.push(r), 100);
    debouncer.enqueue({ full: false, changes: [change('a')] });
    vi.advanceTimersByTime(60);
    debouncer.enqueue({ full: true, changes: [change('b')] });
    vi.advanceTimersByTime(60);
    expect(pushes).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(pushes).toEqual([{ full: true, changes: [change('a'), change('b')] }]);
  });

  it('pushes after the maximum delay even while events keep coming', () => {
    const pushes: PushRequest[] = [];
    const debouncer = new PushDebouncer((r) => pushes.push(r), 100, 1000);
    for (let t = 0; t < 1500; t += 50) {
      debouncer.enqueue({ full: true, changes: [change(`e${t}`)] });
      vi.advanceTimersByTime(50);
    }
    expect(pushes.length).toBe(1);
    expect(pushes[0]?.changes.map((c) => c.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `e${i * 50}`),
    );
    debouncer.stop();
  });

  it('uses a changed quiet period for pending events', () => {
    const pushes: PushRequest[] = [];
    const debouncer = new PushDebouncer((r) => pushes.push(r), 5000);
    debouncer.enqueue({ full: true, changes: [change('a')] });
    debouncer.setDebounce(10);
    vi.advanceTimersByTime(20);
    expect(pushes.length).toBe(1);
  });
});
