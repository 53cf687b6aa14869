/**
 * A virtual clock for engine unit tests: `sleep` never waits for real time. In auto mode,
 * whenever the event loop has nothing else to do, time jumps to the earliest pending
 * sleep, so a bake of ten minutes runs in microseconds and in a deterministic order.
 *
 * Test-only: it sits beside `clock.ts` so the two change together; tests outside core take
 * it from `@switchyard/core/internal-testing`, which the published package leaves out.
 */
import type { Clock } from './clock.js';

interface Timer {
  due: number;
  seq: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** A controllable clock implementing core's `Clock`. */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  #tickScheduled = false;
  readonly #auto: boolean;

  /** Starts at `start` (ms since epoch). With `auto`, time advances by itself when idle. */
  constructor(options: { start?: number; auto?: boolean } = {}) {
    this.#now = options.start ?? Date.parse('2026-11-21T12:00:00Z');
    this.#auto = options.auto ?? true;
  }

  now(): number {
    return this.#now;
  }

  /** Number of sleeps not yet resolved. */
  get pending(): number {
    return this.#timers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const timer: Timer = {
        due: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        timer.onAbort = () => {
          this.#timers = this.#timers.filter((t) => t !== timer);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', timer.onAbort, { once: true });
      }
      this.#timers.push(timer);
      this.#schedule();
    });
  }

  /** Moves time forward by `ms`, resolving every sleep due by then, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.due > target) break;
      this.#fire(next);
      // Let the woken code run (and maybe sleep again) before the next timer.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.#now = target;
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers)
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    if (timer.signal && timer.onAbort) timer.signal.removeEventListener('abort', timer.onAbort);
    this.#now = Math.max(this.#now, timer.due);
    timer.resolve();
  }

  #schedule(): void {
    if (!this.#auto || this.#tickScheduled) return;
    this.#tickScheduled = true;
    // setImmediate runs after pending promise callbacks: time only jumps when the code
    // under test is idle, waiting on sleeps.
    setImmediate(() => {
      this.#tickScheduled = false;
      const next = this.#earliest();
      if (!next) return;
      this.#fire(next);
      if (this.#timers.length > 0) this.#schedule();
    });
  }
}
