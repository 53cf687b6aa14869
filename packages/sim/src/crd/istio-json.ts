/**
 * Reading an Istio spec the way istiod sees it after decoding the JSON into protobuf: absent
 * and `null` fields are unset, scalars default to their zero value, durations parse with Go's
 * `time.ParseDuration` (golang/protobuf jsonpb). A value jsonpb cannot decode raises
 * `IstioDecodeError`, which the webhook reports as `error decoding configuration: ...`.
 */
import { parseGoDuration } from '../go-faithful/go-duration.js';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The spec could not be decoded into Istio's protobuf types. */
export class IstioDecodeError extends Error {
  override readonly name = 'IstioDecodeError';
}

/** The object at `key`, or undefined when unset (absent or null) or not an object. */
export function message(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = parent?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** Whether a field is set (present and not null). */
export function isSet(parent: JsonObject | undefined, key: string): boolean {
  return parent?.[key] !== undefined && parent[key] !== null;
}

/** A string field, `''` when unset. */
export function str(parent: JsonObject | undefined, key: string): string {
  const value = parent?.[key];
  return typeof value === 'string' ? value : '';
}

/** A numeric field, `0` when unset. */
export function num(parent: JsonObject | undefined, key: string): number {
  const value = parent?.[key];
  return typeof value === 'number' ? value : 0;
}

/** A boolean field, `false` when unset. */
export function bool(parent: JsonObject | undefined, key: string): boolean {
  return parent?.[key] === true;
}

/** A repeated field; elements keep their JSON form (a null element stays null). */
export function list(parent: JsonObject | undefined, key: string): unknown[] {
  const value = parent?.[key];
  return Array.isArray(value) ? value : [];
}

/** A repeated string field. */
export function strings(parent: JsonObject | undefined, key: string): string[] {
  return list(parent, key).map((v) => (typeof v === 'string' ? v : ''));
}

/** A map field, in key order; `{}` when unset. */
export function map(parent: JsonObject | undefined, key: string): JsonObject {
  return message(parent, key) ?? {};
}

/** An element of a repeated message field as an object, or undefined for a null element. */
export function asMessage(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
}

/** A `google.protobuf.Duration` field in nanoseconds, undefined when unset. */
export function duration(parent: JsonObject | undefined, key: string): bigint | undefined {
  const value = parent?.[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new IstioDecodeError(`bad Duration: ${JSON.stringify(value)}`);
  const nanos = parseGoDuration(value);
  if (nanos === undefined)
    throw new IstioDecodeError(`bad Duration: time: invalid duration ${JSON.stringify(value)}`);
  return nanos;
}
