import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenario/scenario-schema.js';
import { newTestCluster } from './__fixtures__/mesh-cluster.js';
import { ensureIstioInstall } from './istio-install.js';

const ISTIO: Scenario['istio'] = {
  replicas: 2,
  debounceMs: 10,
  applyDelay: { medianMs: 15, p99Ms: 60 },
  version: '1.26.2',
  ingressGateway: { enabled: false, replicas: 0 },
};

interface ServiceShape {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    clusterIP?: string;
    selector?: Record<string, string>;
    ports: { name: string; port: number; targetPort: number; protocol: string }[];
  };
}

describe('ensureIstioInstall', () => {
  it("creates istiod's Service as the chart renders it, with a cluster IP", () => {
    const cluster = newTestCluster();
    ensureIstioInstall(cluster.store, cluster.registry, ISTIO);
    const services = cluster.registry.byPlural('', 'services')!;
    const service = cluster.store.peek(services, 'istio-system', 'istiod') as
      ServiceShape | undefined;
    expect(service?.spec.ports).toEqual([
      { port: 15010, name: 'grpc-xds', protocol: 'TCP', targetPort: 15010 },
      { port: 15012, name: 'https-dns', protocol: 'TCP', targetPort: 15012 },
      { port: 443, name: 'https-webhook', protocol: 'TCP', targetPort: 15017 },
      { port: 15014, name: 'http-monitoring', protocol: 'TCP', targetPort: 15014 },
    ]);
    expect(service?.spec.selector).toEqual({ app: 'istiod', istio: 'pilot' });
    expect(service?.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    // A second install leaves it alone.
    ensureIstioInstall(cluster.store, cluster.registry, ISTIO);
    expect(cluster.store.peekAll(services, 'istio-system')).toHaveLength(1);
  });

  it('names a revision’s Service istiod-<rev> and selects that revision', () => {
    const cluster = newTestCluster();
    ensureIstioInstall(cluster.store, cluster.registry, { ...ISTIO, revision: 'canary' });
    const services = cluster.registry.byPlural('', 'services')!;
    const service = cluster.store.peek(services, 'istio-system', 'istiod-canary') as
      ServiceShape | undefined;
    expect(service?.metadata.labels?.['istio.io/rev']).toBe('canary');
    expect(service?.spec.selector).toEqual({ app: 'istiod', 'istio.io/rev': 'canary' });
  });
});
