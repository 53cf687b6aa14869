/**
 * What switchyard actually calls, observed on the wire: status, deploy, doctor, a release
 * with data-plane verification and a sync-scope selector, and a rollback run through a
 * recording proxy in front of the simulator's API server. Every resource request must be
 * allowed by deploy/rbac (namespaced variant with verify-dataplane and preflight) and be a row
 * of the permissions table core exports; non-resource requests are discovery only. This keeps
 * `REQUIRED_PERMISSIONS` honest when core starts calling something new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploy,
  doctor,
  release,
  REQUIRED_PERMISSIONS,
  rollback,
  status,
  type OperationInput,
} from '@switchyard/core';
import {
  GOOD_IMAGE,
  startSimulatedCluster,
  type ApiRecorder,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import {
  allows,
  granted,
  loadRbacDir,
  loadRbacFile,
  needed,
  PLACEMENT,
  requestAttributes,
} from './rbac-model.js';

let bed: SimulatedCluster;
let proxy: ApiRecorder;

beforeAll(async () => {
  bed = await startSimulatedCluster({ prometheus: true });
  proxy = await bed.recordApiCalls();
});

afterAll(async () => {
  await proxy?.close();
  await bed?.stop();
});

describe('the API calls of status, deploy, doctor, release and rollback', () => {
  it('are all allowed by deploy/rbac and listed in REQUIRED_PERMISSIONS', async () => {
    const options = (extra: Partial<OperationInput> = {}): OperationInput => ({
      ...bed.operationOptions('rbac-recorder', extra),
      kubeconfig: proxy.kubeconfig,
    });
    // status reads the proxy sync state too (its default). Its `sync` option is a boolean
    // that shadows the spec's `sync` settings, so those are left out here.
    const { sync: _settings, ...statusOptions } = options();
    await status(statusOptions);
    await deploy({
      ...options(),
      image: GOOD_IMAGE,
      deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } },
    });
    // With the header route in place, doctor also reads Envoy's header limits.
    const report = await doctor(options());
    expect(report.findings.filter((f) => f.message.startsWith('not checked'))).toEqual([]);
    const released = await release(
      options({
        strategy: { steps: [{ weight: 50 }, { bake: '2s' }, { weight: 100 }, { bake: '2s' }] },
        sync: { timeout: '30s', verifyDataplane: 1, scope: { selector: 'app' } },
      }),
    );
    expect(released.outcome).toBe('released');
    const rolledBack = await rollback(options());
    expect(rolledBack.outcome).toBe('rolled-back');

    const calls = new Set<string>();
    const discovery = new Set<string>();
    for (const request of proxy.requests) {
      const attributes = requestAttributes(request.method, request.url, request.upgrade);
      if (!attributes) {
        discovery.add(new URL(request.url, 'http://api').pathname);
        continue;
      }
      // Cluster-scoped and all-namespace requests: only a ClusterRoleBinding (`*`) allows them.
      const namespace = attributes.namespace === '' ? '*' : attributes.namespace;
      for (const verb of attributes.verbs)
        calls.add(`${namespace}|${attributes.group}|${attributes.resource}|${verb}`);
    }
    const observed = [...calls].sort();

    // Allowed by the manifests, as RBAC would evaluate them.
    const grants = granted([
      ...(await loadRbacDir('namespaced')),
      ...(await loadRbacFile('verify-dataplane/namespaced.yaml')),
      ...(await loadRbacFile('preflight/namespaced.yaml')),
    ]);
    const denied = observed.filter((call) => {
      const [namespace, group, resource, verb] = call.split('|') as [
        string,
        string,
        string,
        string,
      ];
      return !allows(grants, namespace, group, resource, verb);
    });
    expect(denied).toEqual([]);
    // Each one a row of the table (placed in bookinfo and istio-system, preflight's anywhere).
    const listed = needed(REQUIRED_PERMISSIONS, PLACEMENT.namespaced!);
    const isListed = (call: string): boolean =>
      listed.includes(call) || listed.includes(`*|${call.slice(call.indexOf('|') + 1)}`);
    expect(observed.filter((call) => !isListed(call))).toEqual([]);
    // What a default run exercises (the DestinationRule already has both subsets; checks
    // reach Prometheus by URL, so none of the Prometheus port-forward rows).
    expect(observed).toEqual([
      // preflight idle-slot-traffic: HTTPRoutes of every namespace may reach the idle slot.
      '*|gateway.networking.k8s.io|httproutes|list',
      '*|networking.istio.io|destinationrules|list',
      '*|networking.istio.io|serviceentries|list',
      '*|networking.istio.io|virtualservices|list',
      '*||namespaces|get',
      '*||pods|list',
      'bookinfo|apps|deployments/status|get',
      'bookinfo|apps|deployments|get',
      'bookinfo|apps|deployments|update',
      'bookinfo|coordination.k8s.io|leases|create',
      'bookinfo|coordination.k8s.io|leases|get',
      'bookinfo|coordination.k8s.io|leases|update',
      // Which routing object: the HTTPRoute of the service's name is read too (absent here).
      'bookinfo|gateway.networking.k8s.io|httproutes|get',
      'bookinfo|networking.istio.io|destinationrules|get',
      'bookinfo|networking.istio.io|gateways|get',
      'bookinfo|networking.istio.io|virtualservices|get',
      'bookinfo|networking.istio.io|virtualservices|patch',
      'bookinfo|security.istio.io|peerauthentications|list',
      'bookinfo||events|create',
      'bookinfo||pods/portforward|create',
      'bookinfo||pods/portforward|get',
      'bookinfo||pods|list',
      'bookinfo||services|get',
      'istio-system|security.istio.io|peerauthentications|list',
      'istio-system||pods/portforward|create',
      'istio-system||pods/portforward|get',
      'istio-system||pods|list',
    ]);
    // Everything else is discovery, which every authenticated identity may read.
    expect([...discovery].every((path) => /^\/(api|apis)(\/[^/]+)?$/.test(path))).toBe(true);
  });
});
