/**
 * The README's RBAC is enough, and exactly enough, on a real API server with RBAC on: a
 * ServiceAccount bound to deploy/rbac/namespaced (moved to this test's namespace) deploys
 * and releases through the CLI with its own token; with one verb taken away, the command
 * fails naming the verb and the resource, and changes nothing. The optional preflight
 * ClusterRole (deploy/rbac/preflight) is what lets doctor read across namespaces: without it
 * the checks that need those reads say `not checked`, with it none does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, loadAll } from 'js-yaml';
import { GOOD_IMAGE, realNamespace, type RealNamespace } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

const info = inject('realTestbed');
const RBAC = fileURLToPath(new URL('../../deploy/rbac/namespaced', import.meta.url));
const PREFLIGHT = fileURLToPath(
  new URL('../../deploy/rbac/preflight/namespaced.yaml', import.meta.url),
);
let ns: RealNamespace;
let dir: string;
let kubeconfig: string;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** deploy/rbac/namespaced with "bookinfo" replaced by the test's namespace. */
function manifests(namespace: string): RbacObject[] {
  const objects: RbacObject[] = [];
  for (const file of readdirSync(RBAC).filter((f) => f.endsWith('.yaml'))) {
    for (const doc of loadAll(readFileSync(join(RBAC, file), 'utf8'))) {
      const obj = doc as RbacObject;
      if (obj.metadata.namespace === 'bookinfo') obj.metadata.namespace = namespace;
      for (const subject of obj.subjects ?? []) {
        if (subject.namespace === 'bookinfo') subject.namespace = namespace;
      }
      objects.push(obj);
    }
  }
  return objects;
}

/**
 * deploy/rbac/preflight/namespaced.yaml bound to the test's ServiceAccount; its cluster-wide
 * names carry the namespace so that no other test run shares them.
 */
function preflightManifests(namespace: string): RbacObject[] {
  return loadAll(readFileSync(PREFLIGHT, 'utf8')).map((doc) => {
    const obj = doc as RbacObject & { roleRef?: { name: string } };
    obj.metadata.name = `${obj.metadata.name}-${namespace}`;
    if (obj.roleRef) obj.roleRef.name = `${obj.roleRef.name}-${namespace}`;
    for (const subject of obj.subjects ?? []) {
      if (subject.namespace === 'bookinfo') subject.namespace = namespace;
    }
    return obj;
  });
}

interface DoctorJson {
  findings: { id: string; severity: string; message: string }[];
}

async function applyRoles(objects: RbacObject[]): Promise<void> {
  await ns.kubectl(['apply', '-f', '-'], objects.map((o) => dump(o)).join('---\n'));
}

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-rbac');
  dir = await mkdtemp(join(tmpdir(), 'switchyard-rbac-'));
  await applyRoles(manifests(ns.namespace));
  // The pipeline's credentials: a token of the ServiceAccount, nothing else.
  const token = (
    await ns.kubectl(['-n', ns.namespace, 'create', 'token', 'switchyard', '--duration', '1h'])
  ).trim();
  const admin = JSON.parse(await ns.kubectl(['config', 'view', '--raw', '-o', 'json'])) as {
    clusters: { cluster: { server: string; 'certificate-authority'?: string } }[];
  };
  const cluster = admin.clusters[0]?.cluster;
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster }],
      users: [{ name: 'switchyard', user: { token } }],
      contexts: [
        {
          name: 'pipeline',
          context: { cluster: 'testbed', user: 'switchyard', namespace: ns.namespace },
        },
      ],
      'current-context': 'pipeline',
    }),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  if (ns) {
    for (const obj of preflightManifests(ns.namespace))
      await ns.kubectl(['delete', obj.kind.toLowerCase(), obj.metadata.name, '--ignore-not-found']);
  }
  await ns?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
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
