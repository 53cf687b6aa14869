import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { synczEntry } from './__fixtures__/syncz-fixtures.js';
import { IstiodUrlSource } from './istiod-url-source.js';

// A service account token's shape: header, claims (sub names the service account), signature.
const TOKEN = [
  Buffer.from('{"alg":"RS256","kid":"1"}').toString('base64url'),
  Buffer.from('{"aud":["istio-ca"],"sub":"system:serviceaccount:ci:release-bot"}').toString(
    'base64url',
  ),
  'sig-istiod-token',
].join('.');

let server: Server;
let url: string;
let answer: { status: number; body: string };
let headers: IncomingHttpHeaders[];
let paths: string[];

beforeEach(async () => {
  headers = [];
  paths = [];
  answer = { status: 200, body: JSON.stringify([synczEntry({ proxy: 'a.ns' })]) };
  server = createServer((req, res) => {
    headers.push(req.headers);
    paths.push(req.url ?? '');
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const dir = mkdtempSync(join(tmpdir(), 'istiod-token-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`);

describe('IstiodUrlSource', () => {
  it('GETs <url>/debug/syncz with the bearer token read from its file', async () => {
    const source = new IstiodUrlSource({
      url: `${url}/`,
      token: { file: tokenFile },
      namespace: 'istio-system',
    });
    const poll = await source.poll();
    expect(paths).toEqual(['/debug/syncz']);
    expect(headers[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(poll.answers).toHaveLength(1);
    expect(poll.answers[0]!.istiod).toBe(new URL(url).host);
    expect(poll.answers[0]!.statuses?.map((s) => s.proxy)).toEqual(['a.ns']);
  });

  it('explains a refused token without showing it, even when istiod echoes it', async () => {
    answer = { status: 403, body: `forbidden: token ${TOKEN}` };
    const source = new IstiodUrlSource({
      url,
      token: { file: tokenFile },
      namespace: 'istio-system',
    });
    const { answers } = await source.poll();
    const error = answers[0]!.error ?? '';
    expect(error).toMatch(
      /answered 403: istiod's debug endpoint authorization \(ENABLE_DEBUG_ENDPOINT_AUTH/,
    );
    expect(error).toContain('the token is service account ci/release-bot');
    expect(error).toContain('add "ci" to DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES');
    expect(error).toContain('leave sync.istiod.url unset to reach every istiod by port-forward');
    expect(JSON.stringify(answers)).not.toContain(TOKEN);
    expect(JSON.stringify(answers)).not.toContain('sig-istiod-token');
  });

  it('says what istiod wants when it cannot authenticate the request', async () => {
    answer = { status: 401, body: '' };
    const withToken = new IstiodUrlSource({
      url,
      token: { file: tokenFile },
      namespace: 'istio-system',
    });
    expect((await withToken.poll()).answers[0]!.error).toMatch(
      /answered 401: istiod did not accept the token \(it takes a service account token with audience istio-ca/,
    );
    const without = new IstiodUrlSource({ url, namespace: 'istio-system' });
    expect((await without.poll()).answers[0]!.error).toMatch(
      /answered 401: .*set sync\.istiod\.tokenFile or tokenEnv/,
    );
  });

  it('reports a missing token, an unreachable istiod, and keeps URL credentials out', async () => {
    const missing = new IstiodUrlSource({
      url,
      token: { env: 'SWITCHYARD_NO_SUCH_TOKEN' },
      namespace: 'istio-system',
    });
    expect((await missing.poll()).answers[0]!.error).toBe(
      'environment variable SWITCHYARD_NO_SUCH_TOKEN is not set',
    );
    await new Promise((resolve) => server.close(resolve));
    const down = new IstiodUrlSource({
      url: url.replace('http://', 'http://me:s3cret-pass@'),
      namespace: 'istio-system',
    });
    const { answers } = await down.poll();
    expect(answers[0]!.error).toMatch(new RegExp(`^GET ${url}/debug/syncz: fetch failed`));
    expect(answers[0]!.error).not.toContain('s3cret-pass');
    expect(down.selector).toBe(url);
  });
});
