import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { Pod } from '../kube/kube-types.js';
import type { ForwardedPort, PortForwarder, PortForwardTarget } from '../kube/port-forward.js';
import { resolveReleaseSpecYaml } from '../spec/resolve-release-spec.js';
import { FakePrometheus, vector } from './__fixtures__/fake-prometheus.js';
import { nonce, synczEntry } from './__fixtures__/syncz-fixtures.js';
import { createGates } from './create-gates.js';
import type { ProxyScope } from './sync-gate.js';

const istiodPod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'istio-system', uid: `uid-${name}`, labels: { app: 'istiod' } },
  status: { phase: 'Running' },
});

/** istiod pods answering syncz through fake forwards; counts open forwards. */
class FakeIstiods {
  readonly opened: PortForwardTarget[] = [];
  openCount = 0;

  constructor(readonly syncz: Map<string, unknown[]>) {}

  openForward(target: PortForwardTarget): ForwardedPort {
    this.opened.push(target);
    this.openCount += 1;
    return {
      baseUrl: '',
      localPort: 0,
      target,
      lastError: undefined,
      fetch: (path) =>
        Promise.resolve({
          status: path === '/debug/syncz' ? 200 : 404,
          headers: {},
          body: Buffer.from(JSON.stringify(this.syncz.get(target.pod) ?? [])),
        }),
      close: () => {
        this.openCount -= 1;
        return Promise.resolve();
      },
    };
  }
}

function forwarderOf(istiods: FakeIstiods): PortForwarder {
  return { open: (target) => Promise.resolve(istiods.openForward(target)) };
}

let prometheus: FakePrometheus;
let prometheusUrl: string;

beforeEach(async () => {
  prometheus = new FakePrometheus();
  prometheusUrl = await prometheus.start();
});

afterEach(async () => {
  await prometheus.stop();
});

const pods: PodLister = {
  list: (namespace, options) =>
    Promise.resolve(
      namespace === 'istio-system' && options?.labelSelector === 'app=istiod'
        ? [istiodPod('istiod-1'), istiodPod('istiod-2')]
        : [],
    ),
};
const services: ServiceReader = { get: () => Promise.resolve(undefined) };
const EVERY_PROXY: ProxyScope = { sets: [{ namespaces: undefined, selector: undefined }] };

function spec(yaml: string) {
  return resolveReleaseSpecYaml(
    `apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\n${yaml}`,
    {},
    { defaultNamespace: 'bookinfo' },
  );
}

describe('createGates', () => {
  it('wires the sync gate to every istiod by port-forward and the checks to Prometheus', async () => {
    const n = nonce('2026-11-02T10:00:00Z/1');
    const istiods = new FakeIstiods(
      new Map([
        ['istiod-1', [synczEntry({ proxy: 'a.bookinfo', routeSent: n, routeAcked: n })]],
        ['istiod-2', [synczEntry({ proxy: 'b.bookinfo', routeSent: n })]],
      ]),
    );
    const gates = createGates({
      spec: spec(`prometheus:\n  url: ${prometheusUrl}\n`),
      pods,
      services,
      portForwarder: forwarderOf(istiods),
    });
    const status = await gates.syncGate.currentStatus(EVERY_PROXY);
    expect(status).toMatchObject({ synced: 1, total: 2, istiodReplicas: 2 });
    expect(istiods.opened.map((t) => `${t.pod}:${t.port}`).sort()).toEqual([
      'istiod-1:15014',
      'istiod-2:15014',
    ]);
    // Forwards are kept across polls.
    await gates.syncGate.currentStatus(EVERY_PROXY);
    expect(istiods.opened).toHaveLength(2);

    prometheus.respond = (query) =>
      vector({ value: query.includes('histogram_quantile') ? 612 : 100 });
    const results = await gates.metrics!.evaluate(spec('').checks.items, {
      service: 'reviews',
      namespace: 'bookinfo',
      workload: 'reviews-green',
      stableWorkload: 'reviews-blue',
      slot: 'green',
      candidateSelector:
        'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
      stableSelector:
        'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
      windowMs: 60_000,
      minRequests: 20,
    });
    expect(results.map((r) => [r.name, r.outcome])).toEqual([
      ['success-rate', 'pass'],
      ['latency-p99', 'fail'],
    ]);
    await gates.close();
    await gates.close();
    expect(istiods.openCount).toBe(0);
  });

  it('leaves metrics undefined without checks', () => {
    const gates = createGates({
      spec: spec('checks:\n  items: []\n'),
      pods,
      services,
      portForwarder: forwarderOf(new FakeIstiods(new Map())),
    });
    expect(gates.metrics).toBeUndefined();
    expect(gates.dataplane).toBeDefined();
  });
});
