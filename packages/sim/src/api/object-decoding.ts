/**
 * Decoding a create or update body as the real API server does, with its errors: JSON
 * syntax, the type meta (`apiVersion`/`kind` read first, then
 * checked against the URL: built-in kinds default them, custom resources must carry them),
 * then the Go struct of the kind (typed fields, timestamps, unknown fields). Decode errors
 * are 400s worded by the apiserver's `transformDecodeError`.
 */
import type { FieldValidation } from '../store/admission.js';
import type { ResourceRegistry } from '../store/resource-types.js';
import { apiVersionOf, parseApiVersion } from '../store/resource-types.js';
import { goQuote } from '../crd/go-format.js';
import { badRequest, invalid, unsupportedMediaType } from './api-status.js';
import { goJsonKind, jsonSyntaxError } from './json-syntax.js';
import { decodeProtobufBody, PROTOBUF } from './protobuf-body.js';
import { decodeObjectBody, mediaType } from './request-body.js';
import type { ResourceTarget } from './request-target.js';
import { decodeBuiltin, decodeCustomResourceMeta } from './typed-decoding.js';

type Json = Record<string, unknown>;

/** A decoded body. */
export interface DecodedObject {
  /** The object, type meta set to the URL's, fields as the Go decoder leaves them. */
  object: Json;
  /** Warnings to send (unknown fields under fieldValidation Warn). */
  warnings: string[];
}

const TYPE_META_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** `summarizeData`: the first 30 bytes, as text for JSON objects, else hex. */
function summarize(body: Buffer): string {
  if (body.length === 0) return '<empty>';
  const head = body.subarray(0, 30);
  const more = body.length > 30 ? ' ...' : '';
  return body[0] === 0x7b ? `${head.toString('utf8')}${more}` : `${head.toString('hex')}${more}`;
}

/** `transformDecodeError` without a kind in the data. */
function unrecognized(target: ResourceTarget, body: Buffer, detail: string): Error {
  return badRequest(
    `the object provided is unrecognized (must be of type ${target.type.kind}): ${detail} (${summarize(body)})`,
  );
}

/** `transformDecodeError` with the data's kind and version. */
function cannotHandle(
  target: ResourceTarget,
  kind: string,
  version: string,
  detail: string,
): Error {
  return badRequest(
    `${kind} in version "${version}" cannot be handled as a ${target.type.kind}: ${detail}`,
  );
}

/** Go package name of a group's internal types (`coordination.Lease`, `core.Pod`). */
function internalPackage(group: string): string {
  return group === '' ? 'core' : (group.split('.')[0] as string);
}

/** Parses the body and reads its type meta the way the serializer's `Interpret` does. */
function parseTypeMeta(
  body: Buffer,
  contentType: string | undefined,
  target: ResourceTarget,
): Json {
  if (mediaType(contentType) === 'application/yaml') {
    return decodeObjectBody(body, contentType, "couldn't get version/kind; json parse error: ");
  }
  if (mediaType(contentType) === PROTOBUF) {
    // Custom resources have no protobuf form, on a real server either.
    if (!target.type.builtin) throw unsupportedMediaType(['application/json', 'application/yaml']);
    return decodeProtobufBody(body);
  }
  const parseError = (detail: string): Error =>
    unrecognized(target, body, `couldn't get version/kind; json parse error: ${detail}`);
  const syntax = jsonSyntaxError(body);
  if (syntax !== undefined) throw parseError(syntax);
  const value: unknown = JSON.parse(body.toString('utf8'));
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw parseError(
      `json: cannot unmarshal ${goJsonKind(value)} into Go value of type ${TYPE_META_STRUCT}`,
    );
  for (const [key, field] of Object.entries(value as Json)) {
    if ((key === 'apiVersion' || key === 'kind') && field !== null && typeof field !== 'string')
      throw parseError(
        `json: cannot unmarshal ${goJsonKind(field)} into Go struct field .${key} of type string`,
      );
  }
  return value as Json;
}

/** Decodes a create or update body for `target`. */
export function decodeObject(
  body: Buffer,
  contentType: string | undefined,
  target: ResourceTarget,
  registry: ResourceRegistry,
  fieldValidation: FieldValidation,
): DecodedObject {
  const object = parseTypeMeta(body, contentType, target);
  const { type } = target;
  const expected = apiVersionOf(target.group, target.version);
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  if (!type.builtin) {
    if (text(object.kind) === '')
      throw unrecognized(target, body, `Object 'Kind' is missing in '${body.toString('utf8')}'`);
    if (text(object.apiVersion) !== expected)
      throw badRequest(
        `the API version in the data (${text(object.apiVersion)}) does not match the expected API version (${expected})`,
      );
    const metadata = decodeCustomResourceMeta(object);
    if (metadata.error !== undefined)
      throw cannotHandle(target, text(object.kind), target.version, metadata.error);
    if (object.kind !== type.kind) {
      // The custom resource validator's type meta check, before anything else is validated.
      const name = text((object.metadata as Json | undefined)?.name);
      throw invalid({ group: type.group, kind: text(object.kind) }, name, [
        {
          type: 'FieldValueInvalid',
          field: 'kind',
          message: `Invalid value: ${JSON.stringify(object.kind)}: must be ${type.kind}`,
        },
      ]);
    }
    return { object: metadata.object, warnings: [] };
  }

  // Built-in kinds: missing type meta defaults to the URL's; anything else must be the same
  // kind, or the server finds no conversion (or no such kind at all).
  const apiVersion = text(object.apiVersion) || expected;
  const kind = text(object.kind) || type.kind;
  const { group, version } = parseApiVersion(apiVersion);
  const sameKind = group === type.group && kind === type.kind && type.versions.includes(version);
  if (!sameKind) {
    const registered = registry
      .all()
      .some(
        (t) => t.builtin && t.group === group && t.kind === kind && t.versions.includes(version),
      );
    throw cannotHandle(
      target,
      kind,
      version,
      registered
        ? `converting (${version}.${kind}) to (${internalPackage(type.group)}.${type.kind}): unknown conversion`
        : `no kind "${kind}" is registered for version "${apiVersion}" in scheme "pkg/runtime/scheme.go:111"`,
    );
  }
  const decoded = decodeBuiltin(type.group, type.plural, object);
  if (decoded.error !== undefined) throw cannotHandle(target, kind, version, decoded.error);
  const unknown = decoded.unknownFields.map((path) => `unknown field ${JSON.stringify(path)}`);
  if (unknown.length > 0 && fieldValidation === 'Strict')
    throw cannotHandle(target, kind, version, `strict decoding error: ${unknown.join(', ')}`);
  return {
    object: { ...decoded.object, apiVersion: expected, kind: type.kind },
    warnings: fieldValidation === 'Warn' ? unknown : [],
  };
}

/**
 * Decodes a patched built-in object into its Go shape, as the patch handler does before
 * storing it. Errors are the handler's 422 on the `patch` field, whose value is the patched
 * JSON (serialized by the simulator: key order may differ from the Go struct's).
 */
export function decodePatched(
  target: ResourceTarget,
  patched: Json,
  fieldValidation: FieldValidation,
): DecodedObject {
  if (!target.type.builtin) return { object: patched, warnings: [] };
  const decoded = decodeBuiltin(target.type.group, target.type.plural, patched);
  const unknown = decoded.unknownFields.map((path) => `unknown field ${JSON.stringify(path)}`);
  const refuse = (detail: string): Error =>
    invalid({ group: '', kind: '' }, '', [
      {
        type: 'FieldValueInvalid',
        field: 'patch',
        message: `Invalid value: ${goQuote(JSON.stringify(patched))}: ${detail}`,
      },
    ]);
  if (decoded.error !== undefined) throw refuse(decoded.error);
  if (unknown.length > 0 && fieldValidation === 'Strict')
    throw refuse(`strict decoding error: ${unknown.join(', ')}`);
  return { object: decoded.object, warnings: fieldValidation === 'Warn' ? unknown : [] };
}
