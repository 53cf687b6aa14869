/**
 * The README's RBAC is enough, and exactly enough, on a real API server with RBAC on: a
 * ServiceAccount bound to deploy/rbac/namespaced (moved to this test's namespace) deploys
 * and releases through the CLI with its own token; with one verb taken away, the command
 * fails naming the verb and the resource, and changes nothing. The optional preflight
 * ClusterRole (deploy/rbac/preflight) is what lets doctor read across namespaces: without it
 * the checks that need those reads say `not checked`, with it none does.
 */
import { createRealNamespace, GOOD_IMAGE, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  clusterScoped,
  rbacManifests,
  rbacYaml,
  serviceAccountKubeconfig,
  type RbacObject,
} from './rbac-bed.js';

const info = inject('realCluster');
let ns: Cluster;
let kubeconfig: string;
let removeKubeconfig: () => Promise<void>;

/** deploy/rbac/namespaced moved to the test's namespace. */
const manifests = (namespace: string): RbacObject[] => rbacManifests('namespaced', namespace);
/** deploy/rbac/preflight/namespaced.yaml bound to the test's ServiceAccount. */
const preflightManifests = (namespace: string): RbacObject[] =>
  rbacManifests('preflight/namespaced.yaml', namespace);

interface DoctorJson {
  findings: { id: string; severity: string; message: string }[];
}

async function applyRoles(objects: RbacObject[]): Promise<void> {
  await ns.kubectl(['apply', '-f', '-'], rbacYaml(objects));
}

beforeAll(async () => {
  ns = await createRealNamespace(info, 'conformance-rbac');
  await applyRoles(manifests(ns.namespace));
  // The pipeline's credentials: a token of the ServiceAccount, nothing else.
  ({ kubeconfig, remove: removeKubeconfig } = await serviceAccountKubeconfig(
    (args) => ns.kubectl(args),
    ns.namespace,
  ));
});
afterAll(async () => {
  if (ns) {
    for (const [kind, name] of clusterScoped([
      ...manifests(ns.namespace),
      ...preflightManifests(ns.namespace),
    ]))
      await ns.kubectl(['delete', kind, name, '--ignore-not-found']);
  }
  await ns?.stop();
  await removeKubeconfig?.();
});

describe('the documented RBAC on a real API server', () => {
  it('is enough for a deploy and a release with the ServiceAccount token alone', async () => {
    const deployed = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    const released = await runCli([
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
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(released.code, released.stdout + released.stderr).toBe(0);
    // And it cannot do more than the README says: no listing of Secrets, say.
    const denied = await runCli(['status', 'reviews', '--kubeconfig', kubeconfig]);
    expect(denied.code, denied.stderr).toBe(0);
    await expect(
      ns.kubectl(['--kubeconfig', kubeconfig, '-n', ns.namespace, 'get', 'secrets']),
    ).rejects.toThrow(/forbidden/);
  });

  it('without patch on virtualservices fails naming the verb and resource, changing nothing', async () => {
    const reduced = manifests(ns.namespace).map((obj) =>
      obj.kind === 'Role' && obj.metadata.namespace === ns.namespace
        ? {
            ...obj,
            rules: (obj.rules ?? []).map((rule) =>
              rule.resources.includes('virtualservices')
                ? { ...rule, verbs: rule.verbs.filter((v) => v !== 'patch') }
                : rule,
            ),
          }
        : obj,
    );
    await applyRoles(reduced);
    const before = await ns.snapshot();
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      `${GOOD_IMAGE}-rc3`,
      '--header',
      'x-release=candidate',
      '--kubeconfig',
      kubeconfig,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot patch resource "virtualservices"/);
    const after = await ns.snapshot();
    expect(after.virtualService).toBe(before.virtualService);
    await applyRoles(manifests(ns.namespace));
  });

  it('lets doctor read across namespaces only with the optional preflight ClusterRole', async () => {
    const doctorJson = async (): Promise<DoctorJson> => {
      const result = await runCli(['doctor', 'reviews', '-o', 'json', '--kubeconfig', kubeconfig]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      return JSON.parse(result.stdout) as DoctorJson;
    };
    const notChecked = (report: DoctorJson): string[] =>
      report.findings
        .filter((f) => f.message.startsWith('not checked'))
        .map((f) => f.id)
        .sort();
    // The base Role alone: the cross-namespace reads are forbidden, so those checks say so
    // (info), and doctor still exits 0.
    const without = await doctorJson();
    expect(notChecked(without)).toEqual([
      'idle-slot-traffic',
      'mtls-mismatch',
      'service-entry-collision',
      'sidecar-injection',
      'vs-gateways',
      'vs-hosts',
    ]);
    for (const finding of without.findings.filter((f) => f.message.startsWith('not checked')))
      expect(finding.severity).toBe('info');
    expect(without.findings.find((f) => f.id === 'vs-hosts')?.message).toMatch(/forbidden/);

    await applyRoles(preflightManifests(ns.namespace));
    // RBAC changes take effect within the authorizer's watch; retry briefly.
    let report = await doctorJson();
    for (let attempt = 0; attempt < 20 && notChecked(report).length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      report = await doctorJson();
    }
    expect(notChecked(report), JSON.stringify(report.findings, null, 1)).toEqual([]);
  });
});
