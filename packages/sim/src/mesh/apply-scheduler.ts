/**
 * One timer for many deadlines: a binary min-heap of (time, task) with a single
 * `setTimeout` armed for the earliest. 10,000 proxies applying a push mean 10,000 heap
 * entries, not 10,000 Node timers.
 */

interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

/** Runs tasks at (or shortly after) their deadline, in deadline order. */
export class ApplyScheduler {
  readonly #heap: Entry[] = [];
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #stopped = false;

  /** Number of tasks waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** Runs `run` at `at` (epoch milliseconds); tasks with equal deadlines run in schedule order. */
  schedule(at: number, run: () => void): void {
    if (this.#stopped) return;
    this.#push({ at, seq: this.#seq++, run });
    this.#arm();
  }

  /** Drops every task and the timer. */
  stop(): void {
    this.#stopped = true;
    this.#heap.length = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const first = this.#heap[0];
    if (!first) return;
    if (this.#timer && this.#armedFor <= first.at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = first.at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, first.at - Date.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    // Bounded batch: a burst of due tasks must not hold the event loop for long.
    let budget = 5000;
    while (budget-- > 0) {
      const first = this.#heap[0];
      if (!first || first.at > now) break;
      this.#pop();
      try {
        first.run();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    if (this.#stopped) return;
    const next = this.#heap[0];
    if (next && next.at <= now) {
      this.#armedFor = now;
      this.#timer = setTimeout(() => this.#fire(), 0);
    } else {
      this.#arm();
    }
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop() as Entry;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.#less(heap[left] as Entry, heap[smallest] as Entry))
        smallest = left;
      if (right < heap.length && this.#less(heap[right] as Entry, heap[smallest] as Entry))
        smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Entry, heap[i] as Entry];
      i = smallest;
    }
  }
}
