/**
 * The demo's closing table: each phase with its duration and result, then the two numbers
 * that matter for a bad release: how long users saw the bad version (first weight to it ->
 * rollback verified) and how fast switchyard reacted (first failing check -> restored).
 */
import type { Colors } from '../cli-context.js';
import { formatDurationText } from '../render/duration-text.js';

/** One phase of the demo. */
export interface DemoPhase {
  /** What it was (`release good (canary)`). */
  name: string;
  /** How long it took. */
  durationMs: number;
  /** How it ended. */
  result: string;
}

/** Everything the demo measured. */
export interface DemoReport {
  /** The phases, in order. */
  phases: DemoPhase[];
  /** When the first weight to the bad version was accepted (ISO time); undefined if never. */
  badTrafficAt: string | undefined;
  /** When the rollback was verified (ISO time); undefined if never. */
  restoredAt: string | undefined;
  /** From the first weight to the bad version to routes restored and verified. */
  badTrafficToRestoredMs: number | undefined;
  /** From the first failing check evaluation to routes restored (the library's measure). */
  firstFailureToRestoredMs: number | undefined;
  /** The whole demo, simulator start included. */
  totalMs: number;
  /** What did not go as the story expects; empty when it went as expected. */
  problems: string[];
}

/** The closing table as lines. */
export function demoReportText(report: DemoReport, colors: Colors): string[] {
  const c = colors;
  const header = ['phase', 'duration', 'result'];
  const rows = report.phases.map((p) => [p.name, formatDurationText(p.durationMs), p.result]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  const lines = [c.bold(line(header)), ...rows.map((row) => line(row))];
  lines.push('');
  lines.push(
    `bad traffic -> routes restored:   ${
      report.badTrafficToRestoredMs !== undefined
        ? c.bold(formatDurationText(report.badTrafficToRestoredMs))
        : 'n/a'
    }${report.badTrafficAt && report.restoredAt ? c.dim(`  (first weight to the bad version ${report.badTrafficAt}, rollback verified ${report.restoredAt})`) : ''}`,
  );
  lines.push(
    `first failing check -> restored:  ${
      report.firstFailureToRestoredMs !== undefined
        ? c.bold(formatDurationText(report.firstFailureToRestoredMs))
        : 'n/a'
    }`,
  );
  lines.push(`demo total:                       ${formatDurationText(report.totalMs)}`);
  return lines;
}
