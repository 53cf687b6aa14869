import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, PrometheusError } from '../errors.js';
import type { ResolvedPrometheus } from '../spec/resolved-release-spec.js';
import { apiError, FakePrometheus, scalar, vector } from './__fixtures__/fake-prometheus.js';
import { createPrometheusClient, parseSampleValue, PrometheusClient } from './prometheus-client.js';
import { UrlPrometheusTransport } from './prometheus-transport.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl-prom-token';
const PASSWORD = 'hunter2-prometheus-password';

let prometheus: FakePrometheus;
let baseUrl: string;

beforeEach(async () => {
  prometheus = new FakePrometheus();
  baseUrl = await prometheus.start();
});

afterEach(async () => {
  await prometheus.stop();
});

function client(options: Partial<ConstructorParameters<typeof PrometheusClient>[0]> = {}) {
  return new PrometheusClient({
    transport: new UrlPrometheusTransport(baseUrl),
    auth: { type: 'none' },
    timeoutMs: 2_000,
    retryDelayMs: 1,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PrometheusError);
  return error as PrometheusError;
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('parseSampleValue', () => {
  it('reads Prometheus value strings', () => {
    expect(parseSampleValue('99.5')).toBe(99.5);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue(undefined)).toBeNaN();
  });
});

describe('PrometheusClient.query', () => {
  it('POSTs the query as a form to /api/v1/query and reads a vector', async () => {
    prometheus.respond = () =>
      vector({ value: '90.5', metric: { pod: 'a' } }, { value: 'NaN', metric: { pod: 'b' } });
    const result = await client().query('sum(up)');
    expect(result.resultType).toBe('vector');
    expect(result.samples).toEqual([
      { metric: { pod: 'a' }, value: 90.5 },
      { metric: { pod: 'b' }, value: Number.NaN },
    ]);
    const [request] = prometheus.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api/v1/query' });
    expect(request!.params.get('query')).toBe('sum(up)');
    expect(request!.params.get('timeout')).toBe('2s');
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('reads a scalar', async () => {
    prometheus.respond = () => scalar('+Inf');
    expect((await client().query('1/0')).samples).toEqual([{ metric: {}, value: Infinity }]);
  });

  it('quotes Prometheus on 400 bad_data, without retrying', async () => {
    prometheus.respond = () =>
      apiError(400, 'bad_data', 'invalid parameter "query": 1:5: parse error: unexpected ")"');
    const error = await failure(client().query('sum(('));
    expect(error).toMatchObject({ statusCode: 400, errorType: 'bad_data', query: 'sum((' });
    expect(error.message).toBe(
      'Prometheus answered 400 bad_data: invalid parameter "query": 1:5: parse error: unexpected ")"',
    );
    expect(prometheus.requests).toHaveLength(1);
  });

  it('retries 503 a little, then reports it', async () => {
    prometheus.respond = () => apiError(503, 'unavailable', 'TSDB not ready');
    const error = await failure(client({ retries: 2 }).query('up'));
    expect(error.message).toBe('Prometheus answered 503 unavailable: TSDB not ready');
    expect(prometheus.requests).toHaveLength(3);
  });

  it('succeeds when a retry after 503 does', async () => {
    let calls = 0;
    prometheus.respond = () =>
      ++calls === 1 ? apiError(503, 'timeout', 'busy') : vector({ value: 1 });
    expect((await client().query('up')).samples[0]?.value).toBe(1);
    expect(calls).toBe(2);
  });

  it('reports a non-JSON error page with its status', async () => {
    prometheus.respond = () => ({ status: 502, body: '<html>Bad Gateway</html>' });
    const error = await failure(client({ retries: 0 }).query('up'));
    expect(error.message).toBe('Prometheus answered 502 <html>Bad Gateway</html>');
    expect(error.statusCode).toBe(502);
  });

  it('reports a network failure after retrying it', async () => {
    const port = await closedPort();
    const down = new PrometheusClient({
      transport: new UrlPrometheusTransport(`http://127.0.0.1:${port}`),
      auth: { type: 'none' },
      timeoutMs: 1_000,
      retryDelayMs: 1,
    });
    const error = await failure(down.query('up'));
    expect(error.message).toMatch(
      new RegExp(
        `^cannot reach Prometheus \\(http://127.0.0.1:${port}\\): fetch failed: .*ECONNREFUSED`,
      ),
    );
    expect(error.statusCode).toBeUndefined();
  });

  it('reports a timeout as such, without retrying it', async () => {
    prometheus.respond = () => 'hang';
    const error = await failure(client({ timeoutMs: 200 }).query('up'));
    expect(error.message).toBe(`Prometheus (${baseUrl}) did not answer within 200 ms`);
    expect(prometheus.requests).toHaveLength(1);
  });

  it('rejects with AbortedError when aborted', async () => {
    prometheus.respond = () => 'hang';
    const controller = new AbortController();
    const pending = client().query('up', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });
});

describe('Prometheus authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prom-auth-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);

  function spec(auth: ResolvedPrometheus['auth'], url = baseUrl): ResolvedPrometheus {
    return {
      endpoint: { kind: 'url', url },
      auth,
      headers: { 'X-Scope-OrgID': 'team-a' },
      timeoutMs: 2_000,
    };
  }

  const access = {
    services: { get: () => Promise.reject(new Error('unused')) },
    pods: { list: () => Promise.reject(new Error('unused')) },
    portForwarder: { open: () => Promise.reject(new Error('unused')) },
  };

  it('sends a bearer token read from a file, and extra headers', async () => {
    prometheus.respond = () => vector({ value: 1 });
    await createPrometheusClient(
      spec({ type: 'bearer', token: { file: tokenFile } }),
      access,
    ).query('up');
    expect(prometheus.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(prometheus.requests[0]!.headers['x-scope-orgid']).toBe('team-a');
  });

  it('sends basic auth with a password from the environment, read at each request', async () => {
    process.env.SWITCHYARD_TEST_PROM_PASSWORD = 'first-password';
    prometheus.respond = () => vector({ value: 1 });
    const c = createPrometheusClient(
      spec({ type: 'basic', username: 'ci', password: { env: 'SWITCHYARD_TEST_PROM_PASSWORD' } }),
      access,
    );
    await c.query('up');
    process.env.SWITCHYARD_TEST_PROM_PASSWORD = PASSWORD;
    await c.query('up');
    const decoded = prometheus.requests.map((r) =>
      Buffer.from(String(r.headers.authorization).replace('Basic ', ''), 'base64').toString(),
    );
    expect(decoded).toEqual(['ci:first-password', `ci:${PASSWORD}`]);
    delete process.env.SWITCHYARD_TEST_PROM_PASSWORD;
  });

  it('never puts credentials in error messages, even when Prometheus echoes them', async () => {
    prometheus.respond = (_query, request) =>
      apiError(
        400,
        'bad_data',
        `rejected request with authorization: ${String(request.headers.authorization)}`,
      );
    process.env.SWITCHYARD_TEST_PROM_PASSWORD = PASSWORD;
    const basic = Buffer.from(`ci:${PASSWORD}`).toString('base64');
    for (const auth of [
      { type: 'bearer', token: { file: tokenFile } },
      { type: 'basic', username: 'ci', password: { env: 'SWITCHYARD_TEST_PROM_PASSWORD' } },
    ] as const) {
      const error = await failure(createPrometheusClient(spec(auth), access).query('up'));
      const text = `${error.message} ${JSON.stringify(error.toJSON())} ${String(error.stack)}`;
      expect(text).toContain('rejected request with authorization');
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(basic);
    }
    delete process.env.SWITCHYARD_TEST_PROM_PASSWORD;
  });

  it('turns URL user info into basic auth and keeps it out of messages', async () => {
    const port = await closedPort();
    prometheus.respond = () => vector({ value: 1 });
    const withUser = baseUrl.replace('http://', `http://ci:${PASSWORD}@`);
    await createPrometheusClient(spec({ type: 'none' }, withUser), access).query('up');
    expect(
      Buffer.from(
        String(prometheus.requests[0]!.headers.authorization).slice(6),
        'base64',
      ).toString(),
    ).toBe(`ci:${PASSWORD}`);
    const down = createPrometheusClient(
      spec({ type: 'none' }, `http://ci:${PASSWORD}@127.0.0.1:${port}/prometheus`),
      access,
    );
    const error = await failure(down.query('up'));
    expect(error.message).toContain(`http://127.0.0.1:${port}/prometheus`);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('reports an unreadable credential without retrying or sending', async () => {
    const error = await failure(
      createPrometheusClient(
        spec({ type: 'bearer', token: { file: join(dir, 'missing') } }),
        access,
      ).query('up'),
    );
    expect(error.message).toBe(
      `cannot authenticate to Prometheus: cannot read credential file ${join(dir, 'missing')} (ENOENT)`,
    );
    expect(prometheus.requests).toHaveLength(0);
  });
});
