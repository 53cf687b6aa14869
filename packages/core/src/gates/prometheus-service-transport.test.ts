import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrometheusError } from '../errors.js';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { Pod, Service } from '../kube/kube-types.js';
import type { ForwardedPort, PortForwarder, PortForwardTarget } from '../kube/port-forward.js';
import { FakePrometheus, vector } from './__fixtures__/fake-prometheus.js';
import { PrometheusClient } from './prometheus-client.js';
import { ServicePrometheusTransport } from './prometheus-service-transport.js';

function pod(name: string, ready: boolean): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'monitoring', labels: { app: 'prometheus' } },
    spec: { containers: [{ name: 'prometheus', ports: [{ name: 'web', containerPort: 9090 }] }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'prometheus', namespace: 'monitoring' },
  spec: { selector: { app: 'prometheus' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
};

/** Forwards to the fake Prometheus over plain HTTP, recording targets. */
class RelayForwarder implements PortForwarder {
  readonly targets: PortForwardTarget[] = [];
  closed = 0;
  failNextFetch = false;
  constructor(readonly baseUrl: () => string) {}

  open(target: PortForwardTarget): Promise<ForwardedPort> {
    this.targets.push(target);
    const forward: ForwardedPort = {
      baseUrl: this.baseUrl(),
      localPort: 0,
      target,
      lastError: undefined,
      fetch: async (path, options = {}) => {
        if (this.failNextFetch) {
          this.failNextFetch = false;
          throw new Error('the port-forward WebSocket closed');
        }
        const response = await fetch(`${this.baseUrl()}${path}`, {
          method: options.method,
          headers: options.headers,
          body: options.body,
          signal: options.signal,
        });
        return {
          status: response.status,
          headers: {},
          body: Buffer.from(await response.text()),
        };
      },
      close: () => {
        this.closed += 1;
        return Promise.resolve();
      },
    };
    return Promise.resolve(forward);
  }
}

let prometheus: FakePrometheus;
let baseUrl: string;
let pods: Pod[];
let forwarder: RelayForwarder;
const services: ServiceReader = {
  get: (namespace, name) =>
    Promise.resolve(namespace === 'monitoring' && name === 'prometheus' ? service : undefined),
};
const podLister: PodLister = {
  list: (_namespace, options) =>
    Promise.resolve(options?.labelSelector === 'app=prometheus' ? pods : []),
};

beforeEach(async () => {
  prometheus = new FakePrometheus();
  baseUrl = await prometheus.start();
  prometheus.respond = () => vector({ value: 1 });
  pods = [pod('prometheus-b', true), pod('prometheus-a', false)];
  forwarder = new RelayForwarder(() => baseUrl);
});

afterEach(async () => {
  await prometheus.stop();
});

function client(name = 'prometheus', port = 80) {
  return new PrometheusClient({
    transport: new ServicePrometheusTransport({
      namespace: 'monitoring',
      name,
      port,
      services,
      pods: podLister,
      portForwarder: forwarder,
    }),
    auth: { type: 'none' },
    timeoutMs: 2_000,
    retryDelayMs: 1,
  });
}

describe('ServicePrometheusTransport', () => {
  it('forwards to the named target port of a ready pod behind the Service, once', async () => {
    const c = client();
    await c.query('up');
    await c.query('up');
    expect(forwarder.targets).toEqual([
      { namespace: 'monitoring', pod: 'prometheus-b', port: 9090 },
    ]);
    expect(prometheus.requests).toHaveLength(2);
    await c.close();
    expect(forwarder.closed).toBe(1);
  });

  it('reopens the forward after it broke, and retries the query', async () => {
    const c = client();
    await c.query('up');
    forwarder.failNextFetch = true;
    expect((await c.query('up')).samples[0]?.value).toBe(1);
    expect(forwarder.targets).toHaveLength(2);
  });

  it('says when the Service, its port or a ready pod is missing', async () => {
    const missing = await client('nope')
      .query('up')
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PrometheusError);
    expect((missing as Error).message).toBe(
      'cannot reach Prometheus (Service monitoring/nope:80): Service monitoring/nope not found',
    );
    await expect(client('prometheus', 9090).query('up')).rejects.toThrow(
      'Service monitoring/prometheus has no port 9090 (ports: 80)',
    );
    pods = [pod('prometheus-a', false)];
    await expect(client().query('up')).rejects.toThrow(
      'no ready pod behind Service monitoring/prometheus (selector app=prometheus)',
    );
    expect(prometheus.requests).toHaveLength(0);
  });
});
