/**
 * `kind: Status` bodies, shaped and worded like the ones k8s.io/apimachinery's
 * `api/errors` package builds, so clients (kubectl, client-node) react to them as they
 * would to a real API server.
 */
import type { FieldProblem } from '../store/admission.js';
import { StoreError } from '../store/object-store.js';

/** One cause of a failure, as in `details.causes`. */
export interface StatusCause {
  /** Machine-readable cause (`FieldValueInvalid`, `UnexpectedServerResponse`, ...); undefined when unknown. */
  reason?: string;
  /** Human-readable description; undefined when the cause only names a field. */
  message?: string;
  /** Field path (`spec.http[0].route[0].weight`); undefined when not about one field. */
  field?: string;
}

/** `details` of a Status. */
export interface StatusDetails {
  /** Name of the object concerned; undefined when none. */
  name?: string;
  /** API group of the object; undefined for the core group or when none. */
  group?: string;
  /** Resource (plural) or kind, depending on the error, as the real server sets it. */
  kind?: string;
  /** UID of the object (successful deletes); undefined otherwise. */
  uid?: string;
  /** Individual causes; undefined when none. */
  causes?: StatusCause[];
  /** Seconds a client should wait before retrying (429, 500 with retry); undefined otherwise. */
  retryAfterSeconds?: number;
}

/** A `kind: Status` object. */
export interface StatusBody {
  /** Always `Status`. */
  kind: 'Status';
  /** Always `v1`. */
  apiVersion: 'v1';
  /** Always empty. */
  metadata: Record<string, never>;
  /** `Failure` for errors, `Success` for some deletes. */
  status: 'Failure' | 'Success';
  /** Human-readable message; undefined on success. */
  message?: string;
  /** Machine-readable reason (`NotFound`, `Conflict`, ...); undefined for reason-less failures (webhook denials). */
  reason?: string;
  /** Details; undefined when the error has none. */
  details?: StatusDetails;
  /** HTTP status code. */
  code: number;
}

/** An error the API server answers with a Status body. */
export class ApiStatusError extends Error {
  /** The Status body to send. */
  readonly status: StatusBody;
  /** Extra response headers (`Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    status: Omit<StatusBody, 'kind' | 'apiVersion' | 'metadata' | 'status'>,
    headers: Record<string, string> = {},
  ) {
    super(status.message ?? status.reason ?? `status ${status.code}`);
    this.name = 'ApiStatusError';
    // Key order follows the real server's JSON encoding, which makes captured bodies diffable.
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      ...(status.message !== undefined ? { message: status.message } : {}),
      ...(status.reason !== undefined ? { reason: status.reason } : {}),
      ...(status.details !== undefined ? { details: status.details } : {}),
      code: status.code,
    };
    this.headers = headers;
  }

  /** HTTP status code. */
  get code(): number {
    return this.status.code;
  }

  /** The same error with more response headers (warnings gathered before the failure). */
  withHeaders(extra: Record<string, string>): ApiStatusError {
    const { kind: _k, apiVersion: _a, metadata: _m, status: _s, ...rest } = this.status;
    return new ApiStatusError(rest, { ...this.headers, ...extra });
  }
}

/** Where an object lives, for error details. */
export interface ObjectRef {
  /** API group (`""` for core). */
  group: string;
  /** Plural resource name. */
  resource: string;
  /** Object name. */
  name?: string;
}

function details(ref: ObjectRef | undefined): StatusDetails {
  if (!ref) return {};
  return {
    ...(ref.name ? { name: ref.name } : {}),
    ...(ref.group ? { group: ref.group } : {}),
    kind: ref.resource,
  };
}

function qualified(ref: ObjectRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** 401: missing or wrong bearer token. */
export function unauthorized(): ApiStatusError {
  return new ApiStatusError({ message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
}

/** 404 for an object that does not exist. */
export function notFound(ref: ObjectRef & { name: string }): ApiStatusError {
  return new ApiStatusError({
    message: `${qualified(ref)} "${ref.name}" not found`,
    reason: 'NotFound',
    details: details(ref),
    code: 404,
  });
}

/** 404 for a path no resource is served at. */
export function resourceNotFound(): ApiStatusError {
  return new ApiStatusError({
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  });
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiStatusError {
  return new ApiStatusError({ message, reason: 'BadRequest', code: 400 });
}

/** 405 for a verb the path does not support. */
export function methodNotAllowed(): ApiStatusError {
  return new ApiStatusError({
    message: 'the server does not allow this method on the requested resource',
    reason: 'MethodNotAllowed',
    details: {},
    code: 405,
  });
}

/** 406 when no offered media type can be produced. */
export function notAcceptable(accepted: string[]): ApiStatusError {
  return new ApiStatusError({
    message: `only the following media types are accepted: ${accepted.join(', ')}`,
    reason: 'NotAcceptable',
    code: 406,
  });
}

/** 415 for a patch (or body) type the resource does not accept. */
export function unsupportedMediaType(accepted: string[]): ApiStatusError {
  return new ApiStatusError({
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}

/** 409 for a write based on a stale resourceVersion. */
export function conflict(
  ref: ObjectRef & { name: string },
  cause = 'the object has been modified; please apply your changes to the latest version and try again',
): ApiStatusError {
  return new ApiStatusError({
    message: `Operation cannot be fulfilled on ${qualified(ref)} "${ref.name}": ${cause}`,
    reason: 'Conflict',
    details: details(ref),
    code: 409,
  });
}

/** 410 for a watch resuming from a resourceVersion older than the history. */
export function expired(message: string): ApiStatusError {
  return new ApiStatusError({ message, reason: 'Expired', code: 410 });
}

/** 413 for a request body over the limit. */
export function requestEntityTooLarge(message: string): ApiStatusError {
  return new ApiStatusError({
    message: `Request entity too large: ${message}`,
    reason: 'RequestEntityTooLarge',
    code: 413,
  });
}

/** 429 with Retry-After, as a throttling API server sends it. */
export function tooManyRequests(retryAfterSeconds: number): ApiStatusError {
  return new ApiStatusError(
    {
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds },
      code: 429,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 500 InternalError wrapping a cause message. */
export function internalError(cause: string): ApiStatusError {
  return new ApiStatusError({
    message: `Internal error occurred: ${cause}`,
    reason: 'InternalError',
    details: { causes: [{ message: cause }] },
    code: 500,
  });
}

/**
 * A failure with a status code and no specific reason, as `NewGenericServerResponse` builds
 * it with `isUnexpectedResponse` false: a failed JSON Patch `test` op (or any op that does not
 * apply) is a bare 422 whose details hold no cause. The server's own explanation is dropped,
 * as the real server drops it.
 */
export function genericServerResponse(code: 422): ApiStatusError {
  return new ApiStatusError({
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code,
  });
}

/** A field-level problem as `field.Error` renders it. */
export interface FieldError {
  /** Cause type (`FieldValueInvalid`, ...). */
  type: string;
  /** Field path. */
  field: string;
  /** Message without the field prefix (`Invalid value: 5: must be ...`). */
  message: string;
}

/**
 * 422 Invalid for a kind, worded like `errors.NewInvalid`:
 * `VirtualService.networking.istio.io "reviews" is invalid: spec.x: Invalid value: ...`.
 */
export function invalid(
  kind: { group: string; kind: string },
  name: string,
  problems: readonly FieldError[],
): ApiStatusError {
  const qualifiedKind = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  const rendered = [...new Set(problems.map((p) => `${p.field}: ${p.message}`))];
  const summary =
    rendered.length === 0
      ? ''
      : rendered.length === 1
        ? `: ${rendered[0]}`
        : `: [${rendered.join(', ')}]`;
  return new ApiStatusError({
    message: `${qualifiedKind} "${name}" is invalid${summary}`,
    reason: 'Invalid',
    details: {
      ...(name ? { name } : {}),
      ...(kind.group ? { group: kind.group } : {}),
      kind: kind.kind,
      causes: problems.map((p) => ({ reason: p.type, message: p.message, field: p.field })),
    },
    code: 422,
  });
}

/** Converts admission field problems to field errors. */
export function fieldErrorsFromProblems(problems: readonly FieldProblem[]): FieldError[] {
  return problems.map((p) => ({ type: p.type, field: p.field, message: p.message }));
}

/** A Status for a store failure (NotFound, Conflict, AlreadyExists, Invalid, ...). */
export function fromStoreError(error: StoreError): ApiStatusError {
  const d = error.statusDetails;
  return new ApiStatusError({
    message: error.message,
    reason: error.reason,
    details: {
      ...(d.name !== undefined ? { name: d.name } : {}),
      ...(d.group ? { group: d.group } : {}),
      ...(d.kind !== undefined ? { kind: d.kind } : {}),
      ...(d.causes ? { causes: d.causes } : {}),
    },
    code: error.statusCode,
  });
}

/** Any thrown value as an ApiStatusError: store errors keep their shape, the rest are 500s. */
export function toApiStatusError(error: unknown): ApiStatusError {
  if (error instanceof ApiStatusError) return error;
  if (error instanceof StoreError) return fromStoreError(error);
  return internalError(error instanceof Error ? error.message : String(error));
}
