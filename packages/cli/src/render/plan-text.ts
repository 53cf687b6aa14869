/**
 * `switchyard plan` as text: the notes, the steps still to run, then every change in
 * order with its one-line description and unified diff (coloured on a terminal).
 */
import { describeStep, type PlanReport } from '@switchyard/core';
import type { Colors } from '../cli-context.js';

function colourDiffLine(line: string, c: Colors): string {
  if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line);
  if (line.startsWith('@@')) return c.cyan(line);
  if (line.startsWith('+')) return c.green(line);
  if (line.startsWith('-')) return c.red(line);
  return line;
}

/** The plan as lines. */
export function planText(report: PlanReport, colors: Colors): string[] {
  const c = colors;
  const lines = [
    c.bold(
      `plan: ${report.operation} of ${report.namespace}/${report.service} (dry run, nothing changed)`,
    ),
  ];
  for (const note of report.notes) lines.push(`  ${note}`);
  if (report.steps) {
    lines.push(c.bold('Steps:'));
    report.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${describeStep(step)}`));
  }
  if (report.checks && report.checks.length > 0) {
    lines.push(c.bold('Checks:'));
    for (const check of report.checks) {
      lines.push(`  ${check.name}: ${check.rule}`);
      if (check.reason) lines.push(`    ${c.dim(`so far: ${check.reason}`)}`);
    }
  }
  lines.push(c.bold(`Changes (${report.changes.length}, in order):`));
  report.changes.forEach((change, index) => {
    lines.push(
      `${index + 1}. ${change.description}${change.validated ? c.dim(' (accepted by the API server with dryRun=All)') : ''}`,
    );
    for (const line of change.diff.replace(/\n$/, '').split('\n'))
      lines.push(colourDiffLine(line, c));
  });
  return lines;
}
