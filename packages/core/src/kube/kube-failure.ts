/**
 * What a failed API call was: an HTTP answer (client-node's `ApiException {code, body,
 * headers}`), a network failure (node-fetch `FetchError` with a system `code`), a request
 * timeout, or the caller aborting. Retry classification and error mapping both start here.
 */
import { parseApiStatus, type ApiStatus } from './api-status.js';

/** A failure the API server answered (non-2xx). */
export interface HttpFailure {
  /** Discriminator. */
  kind: 'http';
  /** HTTP status. */
  code: number;
  /** Parsed Status body. */
  status: ApiStatus;
  /** `Retry-After` header in milliseconds, when present and numeric. */
  retryAfterMs: number | undefined;
}

/** A failure below HTTP: connection refused or reset, DNS, TLS, timeout. */
export interface NetworkFailure {
  /** Discriminator. */
  kind: 'network';
  /** System error code (`ECONNRESET`, `ETIMEDOUT`, `CERT_HAS_EXPIRED`, ...), when known. */
  code: string | undefined;
  /** The underlying message (not yet redacted). */
  message: string;
}

/** The caller's signal aborted the call. */
export interface AbortFailure {
  /** Discriminator. */
  kind: 'aborted';
}

/** Anything else thrown (a bug, an auth plugin failing). */
export interface OtherFailure {
  /** Discriminator. */
  kind: 'other';
  /** The underlying message (not yet redacted). */
  message: string;
}

/** A classified failure. */
export type KubeFailure = HttpFailure | NetworkFailure | AbortFailure | OtherFailure;

/** Thrown by the transport when one attempt exceeded its request timeout. */
export class RequestTimeoutError extends Error {
  /** Node-style code, so the failure classifies like a socket timeout. */
  readonly code = 'ETIMEDOUT';

  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** Thrown by the transport when the caller's signal aborted the request. */
export class RequestAbortedError extends Error {
  constructor() {
    super('aborted by the caller');
    this.name = 'RequestAbortedError';
  }
}

// Errors a system call reports for a connection or a request in flight.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|ERR_OSSL_)/;

/** Classifies anything a client-node call (or this package's transport) threw. */
export function classifyKubeFailure(error: unknown): KubeFailure {
  if (error instanceof RequestAbortedError) return { kind: 'aborted' };
  if (isApiException(error)) {
    return {
      kind: 'http',
      code: error.code,
      status: parseApiStatus(error.code, error.body),
      retryAfterMs: parseRetryAfter(headerValue(error.headers, 'retry-after')),
    };
  }
  const err = error as {
    name?: unknown;
    code?: unknown;
    type?: unknown;
    message?: unknown;
    cause?: unknown;
  } | null;
  const message = typeof err?.message === 'string' ? err.message : String(error);
  const code = systemCode(error);
  if (code && (NETWORK_CODES.has(code) || TLS_CODE.test(code)))
    return { kind: 'network', code, message };
  // node-fetch reports every socket-level problem as a FetchError of type `system`.
  if (err?.name === 'FetchError' || /socket hang up|network|ECONN|ETIMEDOUT/i.test(message)) {
    return {
      kind: 'network',
      code: code ?? (/socket hang up/i.test(message) ? 'ECONNRESET' : undefined),
      message,
    };
  }
  return { kind: 'other', message };
}

/** True for network failures that happen before a request is sent, so it cannot have been applied. */
export function failedBeforeSending(failure: NetworkFailure): boolean {
  const code = failure.code ?? '';
  return (
    [
      'ECONNREFUSED',
      'EHOSTUNREACH',
      'EHOSTDOWN',
      'ENETUNREACH',
      'ENETDOWN',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EADDRNOTAVAIL',
      'UND_ERR_CONNECT_TIMEOUT',
    ].includes(code) || TLS_CODE.test(code)
  );
}

/** True for TLS failures (bad certificate, wrong CA): never transient. */
export function isTlsFailure(failure: NetworkFailure): boolean {
  return TLS_CODE.test(failure.code ?? '');
}

/** Duck-typed client-node `ApiException` (instanceof fails across duplicate package copies). */
export function isApiException(
  error: unknown,
): error is { code: number; body: unknown; headers: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    'body' in error &&
    'headers' in error
  );
}

function systemCode(error: unknown): string | undefined {
  let current: unknown = error;
  // node-fetch puts the system code on the FetchError; undici on `cause`.
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === name)
      return typeof value === 'string'
        ? value
        : Array.isArray(value)
          ? String(value[0])
          : undefined;
  }
  return undefined;
}

/** `Retry-After` in milliseconds: delta-seconds, or an HTTP date relative to `now`. */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
