/**
 * `switchyard status [--watch]`. With `--watch` it polls until the release ends (the
 * phase is neither releasing nor rolling-back): redrawn on a terminal, one block per
 * change otherwise, one StatusReport per change with `-o json`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration, status, type StatusReport } from '@switchyard/core';
import { UsageError } from '@switchyard/core/errors';
import type { CliContext } from '../cli-context.js';
import { statusText } from '../render/status-text.js';
import { withInterrupts } from './interrupts.js';
import { operationInputOf, type OperationArgs } from './operation-args.js';

/** Flags of status. */
export type StatusArgs = OperationArgs & {
  watch?: boolean | undefined;
  interval?: string | undefined;
};

const ACTIVE: readonly string[] = ['releasing', 'rolling-back'];

function intervalMs(value: string | undefined): number {
  if (value === undefined) return 2000;
  try {
    return Math.max(200, parseDuration(value));
  } catch {
    throw new UsageError(`--interval "${value}": expected a duration such as 2s or 500ms`);
  }
}

/** Runs status. */
export async function runStatus(context: CliContext, args: StatusArgs): Promise<void> {
  const input = operationInputOf(args);
  context.service = input.service;
  const every = intervalMs(args.interval);
  await withInterrupts(context, async (signal) => {
    const read = (): Promise<StatusReport> => status({ ...input, signal });
    if (!args.watch) {
      print(context, await read());
      return;
    }
    const live =
      context.progressMode === 'live'
        ? (await import('log-update')).createLogUpdate(context.streams.stdout, {
            showCursor: true,
          })
        : undefined;
    let previous: string | undefined;
    try {
      for (;;) {
        const report = await read();
        const key = JSON.stringify(keyOf(report));
        if (live) {
          live(
            [
              ...statusText(report, context.colors),
              context.colors.dim(`refreshed ${new Date().toISOString()}; Ctrl-C to stop`),
            ].join('\n'),
          );
        } else if (key !== previous) {
          if (context.output === 'text' && previous !== undefined) context.out();
          print(context, report, true);
        }
        previous = key;
        if (!ACTIVE.includes(report.phase)) break;
        await sleep(every, undefined, { signal });
      }
    } finally {
      live?.done();
    }
  });
}

/** What counts as a change: everything but waiting times and lease renewals. */
function keyOf(report: StatusReport): unknown {
  return {
    ...report,
    lock: report.lock ? { holder: report.lock.holder } : undefined,
    sync:
      report.sync && !('error' in report.sync)
        ? { ...report.sync, notSynced: report.sync.notSynced.map((p) => [p.proxy, p.state]) }
        : report.sync,
  };
}

function print(context: CliContext, report: StatusReport, stamped = false): void {
  if (context.output === 'json') {
    context.out(JSON.stringify(report));
    return;
  }
  if (stamped) context.out(context.colors.dim(new Date().toISOString()));
  for (const line of statusText(report, context.colors)) context.out(line);
}
