/**
 * Many keyed deadlines behind one timer: a min-heap ordered by due time. The kubelet keeps
 * one readiness deadline and one removal deadline per pod; with 10,000 pods, one timer per
 * pod would cost far more than one heap.
 */

interface Entry {
  key: string;
  at: number;
  seq: number;
}

/** Keyed deadlines; `onDue` receives the keys whose time has come, oldest first. */
export class DeadlineQueue {
  readonly #onDue: (keys: string[]) => void;
  readonly #heap: Entry[] = [];
  // key -> the live entry; heap entries with another seq are stale and skipped.
  readonly #live = new Map<string, Entry>();
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(onDue: (keys: string[]) => void) {
    this.#onDue = onDue;
  }

  /** Sets (or moves) the deadline of `key` to `at` (epoch milliseconds). */
  schedule(key: string, at: number): void {
    const entry = { key, at, seq: ++this.#seq };
    this.#live.set(key, entry);
    this.#push(entry);
    this.#arm();
  }

  /** Removes the deadline of `key`. */
  cancel(key: string): void {
    this.#live.delete(key);
  }

  /** The deadline of `key`, or undefined. */
  dueAt(key: string): number | undefined {
    return this.#live.get(key)?.at;
  }

  /** Keys with a deadline. */
  keys(): IterableIterator<string> {
    return this.#live.keys();
  }

  /** Removes every deadline and the timer. */
  clear(): void {
    this.#live.clear();
    this.#heap.length = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(): void {
    this.#dropStaleHead();
    const head = this.#heap[0];
    if (!head) return;
    if (this.#timer && this.#timerAt <= head.at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = head.at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, head.at - Date.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    const due: string[] = [];
    for (;;) {
      this.#dropStaleHead();
      const head = this.#heap[0];
      if (!head || head.at > now) break;
      this.#pop();
      this.#live.delete(head.key);
      due.push(head.key);
    }
    this.#arm();
    if (due.length > 0) this.#onDue(due);
  }

  #dropStaleHead(): void {
    for (;;) {
      const head = this.#heap[0];
      if (!head || this.#live.get(head.key) === head) return;
      this.#pop();
    }
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left] as Entry, heap[smallest] as Entry))
        smallest = left;
      if (right < heap.length && before(heap[right] as Entry, heap[smallest] as Entry))
        smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as Entry, heap[i] as Entry];
      i = smallest;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
