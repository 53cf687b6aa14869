/**
 * A controller work queue like client-go's: keys are deduplicated while waiting, drained
 * after the current event-loop turn (store listeners must not write synchronously), with
 * delayed adds and per-key exponential backoff on failure. Draining yields after a time
 * budget so a 10,000-pod burst does not starve the API server sharing the event loop.
 */
import { StoreError } from '../store/object-store.js';

/** Options of a work queue. */
export interface WorkQueueOptions {
  /** Processes one key. Throwing requeues the key: at once for a Conflict, with backoff otherwise. */
  handle: (key: string) => void;
  /** Called with every failure except Conflicts; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
  /** Milliseconds of work per event-loop turn before yielding; default 15. */
  budgetMs?: number;
  /**
   * Minimum milliseconds between two runs of the same key, given how long its last run
   * took; default none. Keys re-added sooner wait, so an expensive key (an Endpoints object
   * of thousands of pods) is batched instead of rebuilt for every pod event.
   */
  spacing?: (lastRunMs: number) => number;
}

const BASE_BACKOFF_MS = 5;
const MAX_BACKOFF_MS = 5_000;

/** Deduplicating, rate-limited work queue drained on `setImmediate`. */
export class WorkQueue {
  readonly #handle: (key: string) => void;
  readonly #onError: ((key: string, error: unknown) => void) | undefined;
  readonly #budgetMs: number;
  readonly #pending = new Set<string>();
  readonly #delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  readonly #spacing: ((lastRunMs: number) => number) | undefined;
  // key -> earliest time it may run again (only for keys that asked for spacing)
  readonly #notBefore = new Map<string, number>();
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#handle = options.handle;
    this.#onError = options.onError;
    this.#budgetMs = options.budgetMs ?? 15;
    this.#spacing = options.spacing;
  }

  /** Queues a key for the next drain. */
  add(key: string): void {
    if (this.#stopped) return;
    const notBefore = this.#notBefore.get(key);
    if (notBefore !== undefined) {
      const wait = notBefore - performance.now();
      if (wait > 0) {
        this.addAfter(key, Math.ceil(wait));
        return;
      }
      this.#notBefore.delete(key);
    }
    this.#pending.add(key);
    this.#schedule();
  }

  /** Queues a key after `delayMs`; an earlier pending delay for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.#notBefore.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { at, timer });
  }

  /** Keys waiting for the next drain (not counting delayed ones). */
  get length(): number {
    return this.#pending.size;
  }

  /** Drops every key and timer; the queue accepts nothing afterwards. */
  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    this.#failures.clear();
    this.#notBefore.clear();
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #schedule(): void {
    if (this.#immediate || this.#pending.size === 0) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#drain();
    });
  }

  #drain(): void {
    const started = performance.now();
    // Only keys queued before this drain: re-added keys move to the end of the set and
    // wait for the next turn. The set is consumed in place, so a long queue costs nothing
    // per drain beyond the keys actually processed.
    let remaining = this.#pending.size;
    for (const key of this.#pending) {
      if (remaining === 0 || this.#stopped) break;
      remaining -= 1;
      this.#pending.delete(key);
      this.#process(key);
      if (performance.now() - started > this.#budgetMs) break;
    }
    if (!this.#stopped) this.#schedule();
  }

  #process(key: string): void {
    const started = performance.now();
    try {
      this.#handle(key);
      this.#failures.delete(key);
      if (this.#spacing) {
        const ended = performance.now();
        const gap = this.#spacing(ended - started);
        if (gap > 0) this.#notBefore.set(key, ended + gap);
      }
    } catch (error) {
      if (error instanceof StoreError && error.reason === 'Conflict') {
        // Someone wrote in between: the next turn reads the new version.
        this.add(key);
        return;
      }
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      this.#onError?.(key, error);
      this.addAfter(key, Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (failures - 1)));
    }
  }
}
