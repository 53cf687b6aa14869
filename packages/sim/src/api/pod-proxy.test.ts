import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './__fixtures__/api-client.js';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';
import { isViaApiServerProxy } from './pod-proxy.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
  cluster.seed('', 'namespaces', undefined, { metadata: { name: 'istio-system' } });
  cluster.seed('', 'pods', 'istio-system', {
    metadata: { name: 'istiod-1' },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'discovery', image: 'pilot', ports: [{ containerPort: 15014 }] }],
    },
    status: { phase: 'Running', podIP: '10.244.1.9' },
  });
  cluster.seed('', 'pods', 'istio-system', {
    metadata: { name: 'no-ip' },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Pending' },
  });
  // An echo of what the pod saw, and istiod's rule for /debug: loopback or a bearer token.
  cluster.podNetwork.listen(
    15014,
    (p) => p.name === 'istiod-1',
    (_pod, req, res) => {
      const loopback = !isViaApiServerProxy(req);
      if (req.url?.startsWith('/debug/') && !loopback && !req.headers.authorization) {
        res.writeHead(401).end('unauthorized');
        return;
      }
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          url: req.url,
          method: req.method,
          authorization: req.headers.authorization ?? null,
          host: req.headers.host,
          proxied: !loopback,
        }),
      );
    },
  );
});

afterAll(async () => {
  await cluster.stop();
});

describe('pods/proxy', () => {
  it('reaches the pod port without the caller’s Authorization header, marked as not loopback', async () => {
    const reply = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/istiod-1:15014/proxy/ready?verbose=1',
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      url: '/ready?verbose=1',
      method: 'GET',
      authorization: null,
      host: '10.244.1.9:15014',
      proxied: true,
    });
  });

  it('uses the first container port when the URL names none', async () => {
    const reply = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/istiod-1/proxy/',
    );
    expect(reply.body.url).toBe('/');
  });

  it('gets istiod’s 401 for /debug endpoints, as on a real cluster', async () => {
    const reply = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/istiod-1:15014/proxy/debug/syncz',
    );
    expect(reply.status).toBe(401);
    expect(reply.text).toBe('unauthorized');
  });

  it('answers like the real server when the pod cannot be reached', async () => {
    const refused = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/istiod-1:15099/proxy/',
    );
    expect(refused.status).toBe(500);
    expect(refused.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'error trying to reach service: dial tcp 10.244.1.9:15099: connect: connection refused',
      code: 500,
    });
    const noIp = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/no-ip:15014/proxy/',
    );
    expect(noIp.status).toBe(400);
    expect(noIp.body.message).toBe('address not allowed');
    const missing = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/istio-system/pods/gone:15014/proxy/',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('pods "gone" not found');
  });
});
