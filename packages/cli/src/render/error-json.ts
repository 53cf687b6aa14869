/**
 * An error as the `error` field of the final JSON object: `{ code, message, ...details }`
 * for switchyard errors (their `toJSON`), name and message for anything else. Never the
 * stack, never request bodies (credentials stay out of output).
 */
import { errorCodeOf } from '../exit-codes.js';

/** The JSON form of a thrown value. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (errorCodeOf(error) !== undefined) {
    const toJSON = (error as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJSON.call(error) as Record<string, unknown>;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'UNEXPECTED',
      message: error.message,
    };
  }
  return { code: 'UNEXPECTED', message: String(error) };
}
