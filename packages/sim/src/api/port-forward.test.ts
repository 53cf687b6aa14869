import { Agent, get } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { isViaApiServerProxy } from './pod-proxy.js';

let cluster: TestCluster;
let forward: PortForward;
let local: Server;
let localPort: number;
let localConnections = 0;
const seen: { pod: string; url: string; proxied: boolean }[] = [];

function pod(name: string, phase: string, nodeName?: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'istiod' } },
    spec: {
      containers: [{ name: 'discovery', image: 'pilot' }],
      ...(nodeName ? { nodeName } : {}),
    },
    status: { phase, podIP: '10.244.0.7' },
  };
}

function httpGet(path: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: localPort, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  cluster = await startTestCluster();
  cluster.seed('', 'pods', 'default', pod('istiod-1', 'Running', 'node-1'));
  cluster.seed('', 'pods', 'default', pod('istiod-pending', 'Pending'));
  cluster.podNetwork.listen(
    15014,
    (p) => p.name === 'istiod-1',
    (p, req, res) => {
      seen.push({ pod: p.name, url: req.url ?? '', proxied: isViaApiServerProxy(req) });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ pod: p.name, url: req.url }));
    },
  );
  const kc = new KubeConfig();
  kc.loadFromString(
    kubeconfigYaml({
      server: cluster.url,
      caPem: cluster.caPem,
      token: cluster.token,
      namespace: 'default',
    }),
  );
  forward = new PortForward(kc);
  // As client-node documents it: a local server piping each connection through portForward.
  local = createServer((socket) => {
    localConnections++;
    void forward.portForward('default', 'istiod-1', [15014], socket, null, socket);
  });
  await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
  localPort = (local.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => local.close(() => resolve()));
  await cluster.stop();
});

describe('port-forward', () => {
  it('carries HTTP/1.1 requests with keep-alive to the pod port', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await httpGet('/debug/syncz', agent);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.body)).toEqual({ pod: 'istiod-1', url: '/debug/syncz' });
      const second = await httpGet('/debug/syncz?namespace=bookinfo', agent);
      expect(JSON.parse(second.body)).toEqual({
        pod: 'istiod-1',
        url: '/debug/syncz?namespace=bookinfo',
      });
      // Both requests went over one forwarded connection.
      expect(localConnections).toBe(1);
      // Port-forwarded requests count as loopback inside the pod.
      expect(seen.slice(-2).map((s) => s.proxied)).toEqual([false, false]);
    } finally {
      agent.destroy();
    }
  });

  it('writes the kubelet’s connection refused text on the error channel when nothing listens', async () => {
    const output = new PassThrough();
    const errors = new PassThrough();
    const input = new PassThrough();
    let errorText = '';
    errors.on('data', (c: Buffer) => (errorText += c.toString('utf8')));
    const closed = new Promise<void>((resolve) => {
      void forward.portForward('default', 'istiod-1', [9999], output, errors, input).then((ws) => {
        (ws as unknown as { on(event: 'close', listener: () => void): void }).on('close', () =>
          resolve(),
        );
      });
    });
    await closed;
    expect(errorText).toMatch(
      /^error forwarding port 9999 to pod [0-9a-f]{64}, uid : .*connect: connection refused/,
    );
    input.end();
  });

  it('refuses pods that do not exist or are not running', async () => {
    const streams = (): [PassThrough, PassThrough, PassThrough] => [
      new PassThrough(),
      new PassThrough(),
      new PassThrough(),
    ];
    await expect(forward.portForward('default', 'missing', [15014], ...streams())).rejects.toThrow(
      /404/,
    );
    await expect(
      forward.portForward('default', 'istiod-pending', [15014], ...streams()),
    ).rejects.toThrow(/400/);
  });
});
