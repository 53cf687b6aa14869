/**
 * A minimal HTTPS client for API server tests: trusts the test CA, sends the bearer token
 * (unless told otherwise), and returns status, headers and the parsed body.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request } from 'node:https';

/** Whatever JSON.parse returns: tests read server bodies loosely. */
export type JsonBody = ReturnType<typeof JSON.parse>;

/** Where and how to reach a test server. */
export interface ApiEndpoint {
  url: string;
  caPem: string;
  token: string;
}

/** A finished response. */
export interface ApiReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body (undefined when not JSON). */
  body: JsonBody;
}

/** Options of one request. */
export interface ApiRequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** `null` sends no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

/** Sends one request and reads the whole response. */
export function apiRequest(
  endpoint: ApiEndpoint,
  method: string,
  path: string,
  options: ApiRequestOptions = {},
): Promise<ApiReply> {
  const url = new URL(path, endpoint.url);
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const token = options.token === undefined ? endpoint.token : options.token;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: endpoint.caPem,
        headers: {
          ...(token !== null ? { Authorization: `Bearer ${token}` } : {}),
          // Node frames DELETE bodies only with an explicit length.
          ...(payload !== undefined
            ? {
                'Content-Type': options.contentType ?? 'application/json',
                'Content-Length': String(Buffer.byteLength(payload)),
              }
            : {}),
          ...(options.accept ? { Accept: options.accept } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A watch stream being read. */
export interface WatchReader {
  /** The response status. */
  status: number;
  /** The next event (waits for it); undefined once the stream ended. */
  next(): Promise<{ type: string; object: JsonBody } | undefined>;
  /** Every remaining event until the server ends the stream. */
  rest(): Promise<{ type: string; object: JsonBody }[]>;
  close(): void;
}

/** Opens a watch (`path` must include `watch=true`). */
export function openWatch(
  endpoint: ApiEndpoint,
  path: string,
  accept?: string,
): Promise<WatchReader> {
  const url = new URL(path, endpoint.url);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      ca: endpoint.caPem,
      headers: { Authorization: `Bearer ${endpoint.token}`, ...(accept ? { Accept: accept } : {}) },
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const queue: { type: string; object: JsonBody }[] = [];
      const waiters: ((e: { type: string; object: JsonBody } | undefined) => void)[] = [];
      let buffer = '';
      let ended = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type: string; object: JsonBody };
          const waiter = waiters.shift();
          if (waiter) waiter(event);
          else queue.push(event);
        }
      });
      const finish = (): void => {
        ended = true;
        for (const w of waiters.splice(0)) w(undefined);
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      const next = (): Promise<{ type: string; object: JsonBody } | undefined> => {
        const queued = queue.shift();
        if (queued) return Promise.resolve(queued);
        if (ended) return Promise.resolve(undefined);
        return new Promise((r) => waiters.push(r));
      };
      resolve({
        status: res.statusCode ?? 0,
        next,
        async rest() {
          const out: { type: string; object: JsonBody }[] = [];
          for (let e = await next(); e; e = await next()) out.push(e);
          return out;
        },
        close() {
          req.destroy();
        },
      });
    });
    req.end();
  });
}
