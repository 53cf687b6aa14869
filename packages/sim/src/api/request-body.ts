/**
 * Reading and decoding request bodies: a size limit like the API server's (3 MiB), JSON
 * or YAML by Content-Type, and the 400 BadRequest wording of its decoders.
 */
import type { IncomingMessage } from 'node:http';
import { load } from 'js-yaml';
import type { FieldValidation } from '../store/admission.js';
import { badRequest, requestEntityTooLarge } from './api-status.js';
import { jsonSyntaxError } from './json-syntax.js';

/** The API server's default request body limit. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole body; 413 when it exceeds `limit`. */
export async function readBody(
  request: IncomingMessage,
  limit = MAX_REQUEST_BODY_BYTES,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw requestEntityTooLarge(`limit is ${limit}`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header, without parameters, lower-cased. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Decodes an object body (create, update, delete options). YAML when the Content-Type
 * says so, JSON otherwise. Throws 400 with `context` in front of the parser's message.
 */
export function decodeObjectBody(
  body: Buffer,
  contentType: string | undefined,
  context: string,
): Record<string, unknown> {
  const text = body.toString('utf8');
  let value: unknown;
  if (mediaType(contentType) === 'application/yaml') {
    try {
      value = load(text);
    } catch (error) {
      throw badRequest(
        `${context}${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
    }
  } else {
    const syntax = jsonSyntaxError(body);
    if (syntax !== undefined) throw badRequest(`${context}${syntax}`);
    value = JSON.parse(text);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(
      `${context}json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Decodes a patch body (any JSON value), with the real server's wording for malformed JSON:
 * prefixed `error decoding patch:` where it reads the patch strictly first (JSON and merge
 * patches under fieldValidation Strict or Warn), Go's bare syntax error for strategic merge
 * and Ignore'd JSON patches, and evanphx's `Invalid JSON Patch` for Ignore'd merge patches.
 */
export function decodePatchBody(
  body: Buffer,
  patchType: string,
  fieldValidation: FieldValidation,
): unknown {
  const syntax = jsonSyntaxError(body);
  if (syntax !== undefined) {
    const strict = fieldValidation !== 'Ignore';
    if (patchType === 'application/merge-patch+json')
      throw badRequest(strict ? `error decoding patch: ${syntax}` : 'Invalid JSON Patch');
    if (patchType === 'application/json-patch+json' && strict)
      throw badRequest(`error decoding patch: ${syntax}`);
    throw badRequest(syntax);
  }
  return JSON.parse(body.toString('utf8'));
}
