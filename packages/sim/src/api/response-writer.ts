/**
 * Writing API responses: JSON or YAML bodies, Status errors (with their headers), and
 * `Warning: 299 - "..."` headers as the real server formats them.
 */
import type { ServerResponse } from 'node:http';
import { dump } from 'js-yaml';
import { toApiStatusError } from './api-status.js';

/** A finished response of a non-streaming handler. */
export interface ApiResponse {
  /** HTTP status code. */
  code: number;
  /** Body, serialized as JSON (or YAML when negotiated). */
  body: unknown;
  /** Warning texts for `Warning` headers. */
  warnings?: string[];
  /** Content-Type to send; `application/json` when undefined. */
  contentType?: string;
}

/** Formats warning texts as HTTP Warning header values (code 299, agent `-`). */
export function warningHeaderValues(warnings: readonly string[]): string[] {
  return warnings.map((w) => `299 - "${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}

/** Writes a response; `yaml` serializes the body as YAML instead of JSON. */
export function writeResponse(res: ServerResponse, response: ApiResponse, yaml = false): void {
  if (res.headersSent || res.destroyed) return;
  const text = yaml ? dump(response.body, { lineWidth: -1 }) : JSON.stringify(response.body);
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': yaml ? 'application/yaml' : (response.contentType ?? 'application/json'),
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  };
  if (response.warnings && response.warnings.length > 0)
    headers.Warning = warningHeaderValues(response.warnings);
  res.writeHead(response.code, headers);
  res.end(text);
}

/** Writes any thrown value as a Status response. */
export function writeError(
  res: ServerResponse,
  error: unknown,
  warnings: readonly string[] = [],
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const status = toApiStatusError(error);
  for (const [name, value] of Object.entries(status.headers)) res.setHeader(name, value);
  writeResponse(res, { code: status.code, body: status.status, warnings: [...warnings] });
}
