/** The fetch transport against a loopback server: answers, timeouts, refusals, aborts. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchWebhookTransport,
  parseRetryAfter,
  WebhookTransportError,
  type WebhookRequest,
} from './webhook-transport.js';

let server: Server;
let base: string;
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
const held: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      if (request.url === '/ok') response.writeHead(204).end();
      else if (request.url === '/busy') response.writeHead(429, { 'retry-after': '7' }).end();
      else if (request.url === '/moved')
        response.writeHead(301, { location: 'http://127.0.0.1:9/elsewhere' }).end();
      else held.push(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const response of held) response.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function request(path: string, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return {
    url: `${base}${path}`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer t0ken' },
    body: '{"event":"started"}',
    timeoutMs: 5_000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<WebhookTransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookTransportError);
  return error as WebhookTransportError;
}

describe('fetchWebhookTransport', () => {
  it('posts the body with the headers and returns the status', async () => {
    expect(await fetchWebhookTransport.post(request('/ok'))).toEqual({
      status: 204,
      retryAfterMs: undefined,
    });
    const last = received.at(-1);
    expect(last).toMatchObject({ path: '/ok', body: '{"event":"started"}' });
    expect(last?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer t0ken',
    });
  });

  it('reads Retry-After', async () => {
    expect(await fetchWebhookTransport.post(request('/busy'))).toEqual({
      status: 429,
      retryAfterMs: 7_000,
    });
  });

  it('does not follow a redirect (the token stays with the webhook)', async () => {
    expect((await fetchWebhookTransport.post(request('/moved'))).status).toBe(301);
  });

  it('times out on a webhook that never answers', async () => {
    const error = await failure(fetchWebhookTransport.post(request('/hang', { timeoutMs: 200 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('no answer within 0.2s');
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const pending = fetchWebhookTransport.post(request('/hang', { signal: controller.signal }));
    controller.abort();
    expect((await failure(pending)).kind).toBe('aborted');
  });

  it('names a refused connection by its code, without the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(
      fetchWebhookTransport.post(request('', { url: `http://127.0.0.1:${port}/secret-path` })),
    );
    expect(error.kind).toBe('network');
    expect(error.message).toBe('connection failed (ECONNREFUSED)');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
