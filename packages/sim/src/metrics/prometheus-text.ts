/**
 * Pieces of the Prometheus text exposition format 0.0.4: label value escaping and sample
 * value formatting. (Format: a label value escapes `\`, `"` and newline as `\\`, `\"`,
 * `\n`; values are Go-parseable floats, with `+Inf`, `-Inf` and `NaN` spelled out.)
 */

/** The `Content-Type` of text format 0.0.4. */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value for use between double quotes. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

/** Formats a sample value. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
