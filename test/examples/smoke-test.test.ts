/**
 * examples/ci/smoke-test.mjs on its own, with a stand-in `switchyard status` (its JSON) and
 * a local HTTP server as SMOKE_URL: the requests carry the header and must all answer 2xx;
 * a service without a deployed candidate, or with user traffic on it, fails; bad settings
 * exit 2. (The Prometheus half runs against the simulator in the pipeline tests.)
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { chmod, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckout, runScript, type Checkout } from './ci-harness.js';

let checkout: Checkout;
let server: Server;
let url: string;
let answer = 200;
const seen: IncomingHttpHeaders[] = [];

const STATUS = {
  service: 'reviews',
  namespace: 'bookinfo',
  phase: 'deployed',
  activeSlot: 'blue',
  candidateSlot: 'green',
  weights: { blue: 100, green: 0 },
  slots: {
    blue: { deployment: 'reviews-blue' },
    green: { deployment: 'reviews-green' },
  },
};

/** A `switchyard` that answers `status -o json` with `status`. */
async function fakeStatus(status: object): Promise<void> {
  const file = join(checkout.bin, 'switchyard');
  await writeFile(file, `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(status)}\nJSON\n`);
  await chmod(file, 0o755);
}

function smoke(env: Record<string, string>) {
  return runScript({
    shell: [process.execPath],
    script: 'await import(process.env.SMOKE_SCRIPT);\n',
    env: {
      SMOKE_SCRIPT: join(checkout.dir, 'ci', 'smoke-test.mjs'),
      SERVICE: 'reviews',
      // Nothing listens here: these cases end before Prometheus is asked.
      SWITCHYARD_PROMETHEUS_URL: 'http://127.0.0.1:9',
      SMOKE_URL: url,
      SMOKE_REQUESTS: '5',
      ...env,
    },
    cwd: checkout.dir,
    bin: checkout.bin,
  });
}

beforeAll(async () => {
  checkout = await createCheckout();
  server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(answer).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reviews/0`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await checkout?.remove();
});

describe('smoke-test.mjs', () => {
  it('sends SMOKE_REQUESTS requests with the header and fails on a non-2xx answer', async () => {
    await fakeStatus(STATUS);
    seen.length = 0;
    answer = 503;
    const result = await smoke({ SMOKE_HEADER: 'x-release=candidate' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'smoke: candidate bookinfo/reviews-green (slot green, no user traffic)',
    );
    expect(result.stderr).toContain(`smoke: FAILED: 5 of 5 requests to ${url} failed: HTTP 503`);
    expect(seen.map((headers) => headers['x-release'])).toEqual(Array(5).fill('candidate'));
  });

  it('fails without a deployed candidate, or when users already reach it', async () => {
    await fakeStatus({ ...STATUS, phase: 'released', candidateSlot: undefined });
    const released = await smoke({});
    expect(released.code).toBe(1);
    expect(released.stderr).toContain(
      'reviews has no deployed candidate (phase released); run switchyard deploy first',
    );
    await fakeStatus({ ...STATUS, phase: 'deployed', weights: { blue: 90, green: 10 } });
    const weighted = await smoke({});
    expect(weighted.code).toBe(1);
    expect(weighted.stderr).toContain('the candidate slot green already has 10% of user traffic');
  });

  it('exits 2 on settings it cannot use, before sending anything', async () => {
    await fakeStatus(STATUS);
    seen.length = 0;
    const header = await smoke({ SMOKE_HEADER: 'x-release' });
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('SMOKE_HEADER must be NAME=VALUE, got "x-release"');
    const count = await smoke({ SMOKE_REQUESTS: 'many' });
    expect(count.code).toBe(2);
    expect(count.stderr).toContain('SMOKE_REQUESTS must be a whole number >= 1, got "many"');
    const service = await smoke({ SERVICE: '' });
    expect(service.code).toBe(2);
    expect(service.stderr).toContain('SERVICE is required');
    expect(seen).toEqual([]);
  });
});
