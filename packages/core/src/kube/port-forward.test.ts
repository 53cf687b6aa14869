import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PortForwardError } from '../errors.js';
import { FakeApiServer } from './__fixtures__/fake-api-server.js';
import { loadKubeconfig } from './kubeconfig.js';
import { getJsonViaPortForward, KubePortForwarder, openPortForward } from './port-forward.js';

let fake: FakeApiServer;
let pod: Server;
let podPort: number;
let podConnections: Set<Socket>;
let podConnectionsTotal: number;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  podConnections = new Set();
  podConnectionsTotal = 0;
  // istiod's monitoring port, as far as these tests need it.
  pod = createServer((req, res) => {
    if (req.url === '/debug/syncz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([
          { proxy: 'reviews-green-1.bookinfo', route_sent: 'n1', route_acked: 'n1' },
        ]),
      );
    } else if (req.url === '/hang') {
      // never answers
    } else if (req.url === '/big') {
      res.end('x'.repeat(2 * 1024 * 1024));
    } else {
      res.writeHead(404);
      res.end('no such debug endpoint');
    }
  });
  pod.on('connection', (socket) => {
    podConnectionsTotal += 1;
    podConnections.add(socket);
    socket.on('close', () => podConnections.delete(socket));
  });
  await new Promise<void>((resolve) => pod.listen(0, '127.0.0.1', resolve));
  podPort = (pod.address() as AddressInfo).port;
  fake.pods.set('istio-system/istiod-1', { ports: { 15014: podPort } });
});

afterEach(async () => {
  pod.closeAllConnections();
  await new Promise<void>((resolve) => pod.close(() => resolve()));
  await fake.close();
});

const target = { namespace: 'istio-system', pod: 'istiod-1', port: 15014 };
const kubeConfig = () => loadKubeconfig({ path: fake.writeKubeconfig(), env: {} }).kubeConfig;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('openPortForward', () => {
  test('serves several requests over one keep-alive connection and one WebSocket', async () => {
    const forward = await openPortForward(kubeConfig(), target);
    expect(forward.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const probeSockets = fake.acceptedWebSockets;
    for (let i = 0; i < 5; i++) {
      const response = await forward.fetch('/debug/syncz');
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString('utf8'))).toEqual([
        { proxy: 'reviews-green-1.bookinfo', route_sent: 'n1', route_acked: 'n1' },
      ]);
    }
    expect(fake.acceptedWebSockets - probeSockets).toBe(1);
    await forward.close();
    await until(() => fake.openWebSockets === 0 && podConnections.size === 0);
    expect(fake.openWebSockets).toBe(0);
    expect(podConnections.size).toBe(0);
  });

  test('many sequential connections leave no socket or WebSocket behind after close()', async () => {
    const forward = await openPortForward(kubeConfig(), target, { verify: false });
    for (let i = 0; i < 40; i++) {
      const response = await forward.fetch('/debug/syncz', { headers: { connection: 'close' } });
      expect(response.status).toBe(200);
    }
    expect(fake.acceptedWebSockets).toBe(40);
    expect(podConnectionsTotal).toBe(40);
    await forward.close();
    await until(() => fake.openWebSockets === 0 && podConnections.size === 0);
    expect(fake.openWebSockets).toBe(0);
    expect(podConnections.size).toBe(0);
    await expect(forward.fetch('/debug/syncz')).rejects.toThrow(/closed/);
    await forward.close();
  });

  test('close() while a request is in flight closes everything', async () => {
    const forward = await openPortForward(kubeConfig(), target, { verify: false });
    const outcome = forward.fetch('/hang', { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await until(() => podConnections.size === 1);
    await forward.close();
    expect(await outcome).toBeInstanceOf(PortForwardError);
    await until(() => fake.openWebSockets === 0 && podConnections.size === 0);
    expect(fake.openWebSockets).toBe(0);
    expect(podConnections.size).toBe(0);
  });

  test('a missing pod is a PortForwardError naming the pod and port', async () => {
    const error = await openPortForward(kubeConfig(), { ...target, pod: 'istiod-gone' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PortForwardError);
    expect((error as PortForwardError).message).toBe(
      'port-forward to Pod istio-system/istiod-gone:15014: pod not found or not running (the API server answered 404)',
    );
    expect((error as PortForwardError).toJSON()).toMatchObject({
      code: 'SWITCHYARD_PORT_FORWARD',
      pod: { kind: 'Pod', namespace: 'istio-system', name: 'istiod-gone' },
      port: 15014,
    });
  });

  test('the error channel text is surfaced when the pod port refuses connections', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    fake.pods.set('istio-system/istiod-2', { ports: { 15014: deadPort } });
    const forward = await openPortForward(
      kubeConfig(),
      { ...target, pod: 'istiod-2' },
      { verify: false },
    );
    try {
      const error = await forward.fetch('/debug/syncz').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortForwardError);
      expect((error as Error).message).toContain(
        'port-forward to Pod istio-system/istiod-2:15014: GET /debug/syncz:',
      );
      expect((error as Error).message).toContain('an error occurred forwarding 15014 -> 15014');
      expect(forward.lastError).toContain('connection refused');
    } finally {
      await forward.close();
    }
  });

  test('a request without an answer times out with a PortForwardError', async () => {
    const forward = await openPortForward(kubeConfig(), target, { verify: false });
    try {
      await expect(forward.fetch('/hang', { timeoutMs: 200 })).rejects.toThrow(
        /GET \/hang: no complete response within 200 ms/,
      );
    } finally {
      await forward.close();
    }
  });

  test('bodies larger than the limit are refused', async () => {
    const forward = await openPortForward(kubeConfig(), target, { verify: false });
    try {
      expect((await forward.fetch('/big')).body.length).toBe(2 * 1024 * 1024);
      await expect(forward.fetch('/big', { maxBodyBytes: 1024 })).rejects.toThrow(
        /larger than 1024 bytes/,
      );
    } finally {
      await forward.close();
    }
  });

  test('rejected credentials fail the probe without showing the token', async () => {
    const config = loadKubeconfig({
      path: fake.writeKubeconfig({ token: 'stolen-token-98765' }),
      env: {},
    }).kubeConfig;
    const error = await new KubePortForwarder(config).open(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortForwardError);
    expect((error as Error).message).toContain('unauthorized (401)');
    expect(inspect(error, { depth: Infinity })).not.toContain('stolen-token-98765');
  });
});

describe('getJsonViaPortForward', () => {
  test('returns the parsed JSON and closes the forward', async () => {
    const syncz = await getJsonViaPortForward(kubeConfig(), {
      ...target,
      path: '/debug/syncz',
      timeoutMs: 5_000,
    });
    expect(syncz).toEqual([
      { proxy: 'reviews-green-1.bookinfo', route_sent: 'n1', route_acked: 'n1' },
    ]);
    await until(() => fake.openWebSockets === 0);
    expect(fake.openWebSockets).toBe(0);
  });

  test('a non-2xx answer is a PortForwardError with the status and body', async () => {
    await expect(
      getJsonViaPortForward(kubeConfig(), { ...target, path: '/debug/nothing' }),
    ).rejects.toThrow(
      'port-forward to Pod istio-system/istiod-1:15014: GET /debug/nothing answered 404: no such debug endpoint',
    );
  });
});
