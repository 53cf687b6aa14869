/**
 * Reading and decoding request bodies: a size limit like the API server's (3 MiB), JSON
 * or YAML by Content-Type, and the 400 BadRequest wording of its decoders.
 */
import type { IncomingMessage } from 'node:http';
import { load } from 'js-yaml';
import { badRequest, requestEntityTooLarge } from './api-status.js';

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
  try {
    value = mediaType(contentType) === 'application/yaml' ? load(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(
      `${context}${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(
      `${context}json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type map[string]interface {}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Decodes a JSON patch body (any JSON value); 400 `error decoding patch: ...` on malformed JSON. */
export function decodePatchBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(
      `error decoding patch: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
