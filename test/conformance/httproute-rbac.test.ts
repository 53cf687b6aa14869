/**
 * The documented RBAC for releasing through an HTTPRoute, on a real API server with RBAC on:
 * a ServiceAccount bound to deploy/rbac/namespaced (its Role's httproutes row, and the one
 * CRD the gateway-api-schema ClusterRole names) deploys with a header rule and releases
 * through the CLI with its own token; without the CRD read, a deploy with a header rule is
 * refused before anything changes, naming the object; with the optional preflight
 * ClusterRole, doctor's Gateway API checks read everything they need.
 */
import { GOOD_IMAGE, runCli } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gatewayApiNamespace, INGRESS_ROUTE, type GatewayApiNamespace } from './gateway-api-bed.js';
import {
  clusterScoped,
  rbacManifests,
  rbacYaml,
  serviceAccountKubeconfig,
  type RbacObject,
} from './rbac-bed.js';

const info = inject('realCluster');
const NAMESPACE = 'conformance-httproute-rbac';
let ns: GatewayApiNamespace;
let kubeconfig: string;
let removeKubeconfig: () => Promise<void>;

const manifests = (): RbacObject[] => rbacManifests('namespaced', NAMESPACE);
const preflight = (): RbacObject[] => rbacManifests('preflight/namespaced.yaml', NAMESPACE);
const applyRoles = (objects: RbacObject[]) => ns.kubectl(['apply', '-f', '-'], rbacYaml(objects));
const as = (args: readonly string[]) => runCli([...args, '--kubeconfig', kubeconfig]);

beforeAll(async () => {
  ns = await gatewayApiNamespace(info, NAMESPACE);
  // One route per namespace releases the service: once the mesh route is released, the
  // ingress route would still send its users to the slot the next deploy writes to, which
  // preflight idle-slot-traffic reports (an error, so doctor would exit 2).
  await ns.kubectl(['-n', NAMESPACE, 'delete', 'httproute', INGRESS_ROUTE]);
  await applyRoles(manifests());
  ({ kubeconfig, remove: removeKubeconfig } = await serviceAccountKubeconfig(
    (args) => ns.kubectl(args),
    NAMESPACE,
  ));
});
afterAll(async () => {
  if (ns) {
    for (const [kind, name] of clusterScoped([...manifests(), ...preflight()]))
      await ns.kubectl(['delete', kind, name, '--ignore-not-found']);
  }
  await ns?.remove();
  await removeKubeconfig?.();
});

describe('the documented RBAC, releasing through an HTTPRoute', () => {
  it('refuses a header rule without the CRD read, naming it and changing nothing', async () => {
    const schemaBinding = clusterScoped(
      rbacManifests('namespaced/gateway-api-schema.yaml', NAMESPACE),
    );
    for (const [kind, name] of schemaBinding) await ns.kubectl(['delete', kind, name]);
    const before = (await ns.httpRoute('reviews')).metadata.resourceVersion;
    try {
      const result = await as([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        '--header',
        'x-release=candidate',
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toContain(
        'CustomResourceDefinition httproutes.gateway.networking.k8s.io: cannot read the installed HTTPRoute schema',
      );
      expect(result.stderr).toMatch(/forbidden/);
      expect((await ns.httpRoute('reviews')).metadata.resourceVersion).toBe(before);
    } finally {
      await applyRoles(manifests());
    }
  });

  it('is enough for a deploy with a header rule and a release with the token alone', async () => {
    // RBAC changes take effect within the authorizer's watch: the first deploy may still be
    // refused for a moment after the binding came back.
    let deployed = await as([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
    ]);
    for (let attempt = 0; attempt < 20 && deployed.code === 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      deployed = await as([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        '--header',
        'x-release=candidate',
      ]);
    }
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    const released = await as([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '3s',
      '--prometheus-service',
      'istio-system/prometheus:9090',
      '--scrape-interval',
      '1s',
      '--window',
      '6s',
      '--check-interval',
      '2s',
      '--check',
      'success-rate>=99',
    ]);
    expect(released.code, released.stdout + released.stderr).toBe(0);
    const refs = (await ns.httpRoute('reviews')).spec.rules[0]?.backendRefs ?? [];
    expect(refs.map((b) => [b.name, b.weight])).toEqual([
      ['reviews-blue', 0],
      ['reviews-green', 100],
    ]);
  });

  it("lets doctor's Gateway API checks read across namespaces with the preflight ClusterRole", async () => {
    await applyRoles(preflight());
    const notChecked = async (): Promise<string[]> => {
      const result = await as(['doctor', 'reviews', '-o', 'json']);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { findings: { id: string; message: string }[] };
      return report.findings.filter((f) => f.message.startsWith('not checked')).map((f) => f.id);
    };
    let missing = await notChecked();
    for (let attempt = 0; attempt < 20 && missing.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      missing = await notChecked();
    }
    expect(missing).toEqual([]);
  });
});
