/**
 * Kubernetes timestamps as the API server reads and writes them. `metav1.Time` is Go's
 * `time.RFC3339` (a fraction accepted and dropped), `metav1.MicroTime` has exactly six
 * fractional digits (a Lease's `renewTime`: milliseconds are refused); both are written back
 * in UTC. Which values are accepted, and what is stored, are Go's; the wording of a refusal is
 * not (docs/conformance.md). Times the controllers write have second precision, as on a real
 * cluster, so their comparisons (progress deadlines, ready-since) have the same granularity.
 */

/** The layouts, as Go names them in its errors. */
const LAYOUTS = {
  Time: '2006-01-02T15:04:05Z07:00',
  MicroTime: '2006-01-02T15:04:05.000000Z07:00',
} as const;

const DATE = '(\\d{4})-(\\d{2})-(\\d{2})T(\\d{1,2}):(\\d{2}):(\\d{2})';
const ZONE = '(Z|[+-]\\d{2}:\\d{2})';
const SYNTAX = {
  Time: new RegExp(`^${DATE}(?:[.,](\\d+))?${ZONE}$`),
  MicroTime: new RegExp(`^${DATE}[.,](\\d{6})${ZONE}$`),
};

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A timestamp as the server stores it (UTC), or why it refuses the value. */
export function decodeKubeTime(
  value: string,
  type: keyof typeof LAYOUTS,
): { value: string } | { error: string } {
  const match = SYNTAX[type].exec(value);
  const refused = {
    error: `parsing time ${JSON.stringify(value)} as ${JSON.stringify(LAYOUTS[type])}: not a valid ${type}`,
  };
  if (!match) return refused;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map(Number);
  const zone = match[8] ?? 'Z';
  const [zoneHours = 0, zoneMinutes = 0] = zone === 'Z' ? [] : zone.slice(1).split(':').map(Number);
  const inRange =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(month, year) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    zoneHours <= 24 &&
    zoneMinutes <= 60;
  if (!inRange) return refused;
  const offset = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offset, second, 0);
  const stamp = `${String(utc.getUTCFullYear()).padStart(4, '0')}${utc.toISOString().slice(-20, -5)}`;
  return { value: type === 'Time' ? `${stamp}Z` : `${stamp}.${match[7] ?? ''}Z` };
}

/** `2026-01-02T03:04:05Z` for an epoch-milliseconds time (default now). */
export function kubeTime(ms: number = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch milliseconds of a Kubernetes timestamp; undefined when absent or unparsable. */
export function parseKubeTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
