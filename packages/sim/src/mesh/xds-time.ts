/**
 * Time and duration text exactly as the real components print them: Go's `time.Time` JSON
 * (istiod's syncz), Go's RFC3339 seconds (push versions), protobuf JSON `Timestamp` and
 * `Duration` (Envoy's config_dump).
 */
import { parseGoDuration } from '../go-faithful/go-duration.js';

/** Go's zero `time.Time` as JSON: what syncz shows as `sentTime` for a type never sent. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Go `time.Format(time.RFC3339)` in UTC: `2026-11-02T10:00:00Z`. */
export function goRfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

let lastGoTime = { ms: Number.NaN, text: '' };

/** Go `time.Time` JSON (RFC3339Nano, trailing zeros of the fraction dropped) in UTC. */
export function goTimeJson(date: Date): string {
  const ms = date.getTime();
  // A push stamps thousands of proxies within the same millisecond.
  if (ms === lastGoTime.ms) return lastGoTime.text;
  const iso = date.toISOString();
  let fraction = iso.slice(20, 23);
  while (fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  const text = `${iso.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
  lastGoTime = { ms, text };
  return text;
}

/** Protobuf JSON `Timestamp`: no fraction when whole seconds, else 3 digits. */
export function protoTimestamp(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Protobuf JSON `Duration` for a number of nanoseconds: seconds with 0, 3, 6 or 9
 * fractional digits (`0s`, `1.500s`, `0.000250s`).
 */
export function protoDuration(nanos: bigint): string {
  const seconds = nanos / 1_000_000_000n;
  const fraction = Number(nanos - seconds * 1_000_000_000n);
  if (fraction === 0) return `${seconds}s`;
  let digits = String(fraction).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${seconds}.${digits}s`;
}

/** A Go duration string as protobuf JSON, or undefined when it does not parse. */
export function goDurationToProto(text: string): string | undefined {
  const nanos = parseGoDuration(text);
  return nanos === undefined ? undefined : protoDuration(nanos);
}
