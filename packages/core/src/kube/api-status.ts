/**
 * The Kubernetes `Status` object an API server answers failures with, parsed from whatever
 * client-node hands over: `ApiException.body` is a JSON string from most paths, an object
 * from some, a Buffer or nothing from others (401 from generated APIs carries no body).
 */
import { isJsonObject } from '../json-diff/json-value.js';

/** One cause of a failure, e.g. a field that failed validation. */
export interface StatusCause {
  /** `FieldValueInvalid`, `FieldValueRequired`, `UnexpectedServerResponse`, ... */
  reason?: string;
  /** Human-readable description. */
  message?: string;
  /** Field path (`spec.http[0].route[1].weight`); set for field-level validation errors. */
  field?: string;
}

/** The parts of a `Status` switchyard uses. */
export interface ApiStatus {
  /** HTTP status code. */
  code: number;
  /** `NotFound`, `Conflict`, `AlreadyExists`, `Invalid`, `TooManyRequests`, ...; derived from the code when the body has none. */
  reason: string;
  /** The server's message; a generic one derived from the code when the body has none. */
  message: string;
  /** Field-level causes, when present. */
  causes: StatusCause[];
  /** `details.retryAfterSeconds`, when the server suggested a delay. */
  retryAfterSeconds?: number | undefined;
  /** True when the body was a real `Status` object (not a proxy's HTML or plain text). */
  isStatus: boolean;
}

const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The reason Kubernetes uses for an HTTP status code when the body does not say. */
export function reasonForCode(code: number): string {
  return REASON_BY_CODE[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

// Bodies from proxies in front of the API server can be whole HTML pages.
const MAX_PLAIN_BODY = 300;

/** Parses a failure body (JSON string, object, Buffer or nothing) for HTTP status `code`. */
export function parseApiStatus(code: number, body: unknown): ApiStatus {
  const parsed = toObject(body);
  if (
    parsed &&
    (parsed.kind === 'Status' ||
      typeof parsed.reason === 'string' ||
      typeof parsed.message === 'string')
  ) {
    const details = isJsonObject(parsed.details) ? parsed.details : {};
    const causes = Array.isArray(details.causes)
      ? details.causes.filter(isJsonObject).map(toCause)
      : [];
    const retryAfter = details.retryAfterSeconds;
    return {
      code: typeof parsed.code === 'number' ? parsed.code : code,
      reason:
        typeof parsed.reason === 'string' && parsed.reason ? parsed.reason : reasonForCode(code),
      message:
        typeof parsed.message === 'string' && parsed.message
          ? parsed.message
          : genericMessage(code),
      causes,
      retryAfterSeconds: typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter : undefined,
      isStatus: true,
    };
  }
  const text = bodyText(body)?.trim();
  return {
    code,
    reason: reasonForCode(code),
    message: text ? truncate(text, MAX_PLAIN_BODY) : genericMessage(code),
    causes: [],
    isStatus: false,
  };
}

function toCause(raw: Record<string, unknown>): StatusCause {
  const cause: StatusCause = {};
  // Status causes carry the machine reason as `reason` in JSON (Go field `Type`).
  const reason = raw.reason ?? raw.type;
  if (typeof reason === 'string') cause.reason = reason;
  if (typeof raw.message === 'string') cause.message = raw.message;
  if (typeof raw.field === 'string' && raw.field) cause.field = raw.field;
  return cause;
}

function toObject(body: unknown): Record<string, unknown> | undefined {
  if (isJsonObject(body) && !Buffer.isBuffer(body)) return body;
  const text = bodyText(body);
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return undefined;
}

function genericMessage(code: number): string {
  return `the server responded with status ${code} and no further information`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
