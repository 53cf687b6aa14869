/**
 * The end of an operation in text: the outcome with its one-line message, the facts a
 * person needs next (weights, checks, rollback timing, stale proxies), and, when progress
 * was redrawn rather than logged line by line, the timeline.
 */
import { describeCheck, describeWeights, type OperationSummary } from '@switchyard/core';
import type { Colors } from '../cli-context.js';
import { formatDurationText } from './duration-text.js';

/** Options of `summaryText`. */
export interface SummaryTextOptions {
  /** Colour functions. */
  colors: Colors;
  /** Include the timeline (when events were not printed one per line already). */
  timeline: boolean;
}

function headline(summary: OperationSummary, c: Colors): string {
  switch (summary.outcome) {
    case 'deployed':
    case 'released':
    case 'no-op':
      return c.green(`✔ ${summary.outcome}: ${summary.message}`);
    case 'paused':
      return c.yellow(`⏸ paused: ${summary.message}`);
    case 'rolled-back':
      return c.yellow(`↩ rolled back: ${summary.message}`);
    case 'rollback-unverified':
      return c.red(`✖ rollback NOT verified: ${summary.message}`);
    case 'failed':
      return c.red(`✖ failed: ${summary.message}`);
  }
}

/** The summary as lines of text. */
export function summaryText(summary: OperationSummary, options: SummaryTextOptions): string[] {
  const c = options.colors;
  const lines = [headline(summary, c)];
  lines.push(
    c.dim(
      `  ${summary.operation} ${summary.id} of ${summary.namespace}/${summary.service}${summary.resumed ? ' (resumed)' : ''} took ${formatDurationText(summary.durationMs)}; phase ${summary.phase}; ${describeWeights(summary.weights)}`,
    ),
  );
  if (summary.checks.length > 0) {
    lines.push(`  last checks: ${summary.checks.map((r) => describeCheck(r)).join(', ')}`);
  }
  const rollback = summary.rollback;
  if (rollback) {
    lines.push(
      `  rollback (${rollback.reason}): ${rollback.verified ? c.green('verified') : c.red('NOT verified')}${
        rollback.timeToRestoreMs !== undefined
          ? `; routes restored ${formatDurationText(rollback.timeToRestoreMs)} after the first failure`
          : ''
      }`,
    );
    for (const evidence of rollback.evidence) {
      lines.push(
        `    ${evidence.name}=${evidence.value === undefined ? 'n/a' : Number(evidence.value.toFixed(3))} (${evidence.outcome}${evidence.reason ? `: ${evidence.reason}` : ''})`,
      );
    }
    for (const proxy of rollback.staleProxies) {
      lines.push(
        `    proxy ${proxy.proxy} (istiod ${proxy.istiod}) ${proxy.state} for ${formatDurationText(proxy.waitingMs)}`,
      );
    }
  }
  if (options.timeline && summary.timeline.length > 0) {
    lines.push(c.bold('Timeline:'));
    for (const entry of summary.timeline) {
      lines.push(
        `  ${c.dim(`+${formatDurationText(entry.offsetMs).padStart(7)}`)}  ${entry.message}`,
      );
    }
  }
  return lines;
}
