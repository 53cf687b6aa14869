/**
 * Output for logs (CI, pipes): one timestamped line per event, never redrawn. Progress
 * polls (proxy sync, rollout) come every few hundred milliseconds, so at most one line per
 * second is printed for them, and the last one before the wait ends is always printed.
 */
import { describeEvent, type ReleaseEvent } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { ProgressReporter } from './progress-reporter.js';

type ThrottledType = 'sync-progress' | 'rollout-progress';

const THROTTLED: ReadonlySet<ReleaseEvent['type']> = new Set<ThrottledType>([
  'sync-progress',
  'rollout-progress',
]);

/** At most one progress line per this many milliseconds (per kind). */
export const PROGRESS_LINE_INTERVAL_MS = 1000;

/** Prints `2026-11-21T12:00:01.234Z step 2/8: weight 25%` lines. */
export class PlainProgress implements ProgressReporter {
  readonly #context: CliContext;
  readonly #lastPrinted = new Map<ThrottledType, number>();
  readonly #held = new Map<ThrottledType, ReleaseEvent>();

  constructor(context: CliContext) {
    this.#context = context;
  }

  onEvent(event: ReleaseEvent): void {
    if (THROTTLED.has(event.type)) {
      const type = event.type as ThrottledType;
      const last = this.#lastPrinted.get(type) ?? Number.NEGATIVE_INFINITY;
      if (event.at - last >= PROGRESS_LINE_INTERVAL_MS) {
        this.#held.delete(type);
        this.#lastPrinted.set(type, event.at);
        this.#print(event);
      } else {
        this.#held.set(type, event);
      }
      return;
    }
    // A wait starts: its first poll may wait a second; a wait ends: show where it ended.
    if (event.type === 'sync-started') this.#lastPrinted.set('sync-progress', event.at);
    if (event.type === 'deployment-changed') this.#lastPrinted.set('rollout-progress', event.at);
    this.#flushHeld();
    this.#print(event);
  }

  stop(): void {
    this.#flushHeld();
  }

  #flushHeld(): void {
    for (const event of this.#held.values()) this.#print(event);
    this.#held.clear();
  }

  #print(event: ReleaseEvent): void {
    const colors = this.#context.colors;
    const line = describeEvent(event);
    const styled =
      event.type === 'rollback-started' || event.type === 'warning'
        ? colors.yellow(line)
        : event.type === 'rollback-completed' && !event.verified
          ? colors.red(line)
          : line;
    this.#context.out(`${colors.dim(new Date(event.at).toISOString())} ${styled}`);
  }
}
