/**
 * `switchyard doctor` as text: a heading with the counts, then the findings grouped by
 * severity (errors, warnings, info), each with its check id, object and field, what is
 * wrong, and the fix; the skipped checks last.
 */
import {
  describeFindingTarget,
  SEVERITIES,
  type FindingSeverity,
  type PreflightReport,
} from '@switchyard/core';
import type { Colors } from '../cli-context.js';

const HEADINGS: Readonly<Record<FindingSeverity, string>> = {
  error: 'ERRORS',
  warning: 'WARNINGS',
  info: 'INFO',
};

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The report as lines. */
export function doctorText(report: PreflightReport, colors: Colors): string[] {
  const c = colors;
  const paint: Record<FindingSeverity, (text: string) => string> = {
    error: c.red,
    warning: c.yellow,
    info: c.dim,
  };
  const infos = report.findings.length - report.errors - report.warnings;
  const lines = [
    `${c.bold(`doctor ${report.namespace}/${report.service}`)}: ${report.checks.length} checks, ` +
      `${paint.error(plural(report.errors, 'error'))}, ${paint.warning(plural(report.warnings, 'warning'))}, ${infos} info`,
  ];
  const width = Math.max(0, ...report.findings.map((f) => f.id.length));
  for (const severity of SEVERITIES) {
    const findings = report.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    lines.push('', paint[severity](`${HEADINGS[severity]} (${findings.length})`));
    for (const finding of findings) {
      const indent = ' '.repeat(width + 4);
      lines.push(
        `  ${paint[severity](finding.id.padEnd(width))}  ${describeFindingTarget(finding)}`,
      );
      lines.push(`${indent}${finding.message}`);
      lines.push(`${indent}${c.dim('fix:')} ${finding.fix}`);
    }
  }
  if (report.findings.length === 0) lines.push('', c.green('no problems found'));
  for (const skip of report.skipped)
    lines.push(
      '',
      c.dim(
        `skipped ${skip.id} (${skip.source === 'option' ? '--skip-check' : 'preflight.skip in the spec'})`,
      ),
    );
  return lines;
}
