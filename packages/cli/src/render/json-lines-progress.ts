/** `-o json`: every event on its own line, exactly as the library emits it. */
import type { ReleaseEvent } from '@switchyard/core';
import type { CliContext } from '../cli-context.js';
import type { ProgressReporter } from './progress-reporter.js';

/** Writes events as JSON Lines. */
export class JsonLinesProgress implements ProgressReporter {
  readonly #context: CliContext;

  constructor(context: CliContext) {
    this.#context = context;
  }

  onEvent(event: ReleaseEvent): void {
    this.#context.out(JSON.stringify(event));
  }

  stop(): void {
    // Nothing is held back.
  }
}
