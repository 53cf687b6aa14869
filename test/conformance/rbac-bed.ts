/**
 * The RBAC manifests of deploy/rbac on the real test bed, for conformance files: the
 * namespaced variant moved into a test's namespace (cluster-scoped objects renamed after it,
 * so no other run shares them), applied, and a kubeconfig holding nothing but a token of its
 * ServiceAccount, as a pipeline has.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, loadAll } from 'js-yaml';

const RBAC = fileURLToPath(new URL('../../deploy/rbac', import.meta.url));

/** A rule of a Role or ClusterRole. */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** An object of the RBAC manifests. */
export interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: RbacRule[];
  roleRef?: { kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/**
 * The objects of deploy/rbac/<path> (a folder or one file) with "bookinfo" replaced by
 * `namespace`; cluster-scoped roles and bindings get `-<namespace>` after their names.
 */
export function rbacManifests(path: string, namespace: string): RbacObject[] {
  const full = join(RBAC, path);
  const files = path.endsWith('.yaml')
    ? [full]
    : readdirSync(full)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(full, f));
  const objects: RbacObject[] = [];
  for (const file of files) {
    for (const doc of loadAll(readFileSync(file, 'utf8'))) {
      const obj = doc as RbacObject;
      if (obj.metadata.namespace === 'bookinfo') obj.metadata.namespace = namespace;
      if (obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding')
        obj.metadata.name = `${obj.metadata.name}-${namespace}`;
      if (obj.kind === 'ClusterRoleBinding' && obj.roleRef)
        obj.roleRef.name = `${obj.roleRef.name}-${namespace}`;
      for (const subject of obj.subjects ?? []) {
        if (subject.namespace === 'bookinfo') subject.namespace = namespace;
      }
      objects.push(obj);
    }
  }
  return objects;
}

/** The objects as one YAML stream, for `kubectl apply -f -`. */
export function rbacYaml(objects: readonly RbacObject[]): string {
  return objects.map((o) => dump(o)).join('---\n');
}

/** The cluster-scoped objects among `objects`, as kubectl delete arguments. */
export function clusterScoped(objects: readonly RbacObject[]): [kind: string, name: string][] {
  return objects
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')
    .map((o) => [o.kind.toLowerCase(), o.metadata.name]);
}

/**
 * A kubeconfig for `namespace`'s `switchyard` ServiceAccount: the admin kubeconfig's server
 * and CA, a token minted for it, nothing else. Resolves its path and how to remove it.
 */
export async function serviceAccountKubeconfig(
  kubectl: (args: readonly string[]) => Promise<string>,
  namespace: string,
): Promise<{ kubeconfig: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-rbac-'));
  const token = (
    await kubectl(['-n', namespace, 'create', 'token', 'switchyard', '--duration', '1h'])
  ).trim();
  const admin = JSON.parse(await kubectl(['config', 'view', '--raw', '-o', 'json'])) as {
    clusters: { cluster: { server: string; 'certificate-authority'?: string } }[];
  };
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'testbed', cluster: admin.clusters[0]?.cluster }],
      users: [{ name: 'switchyard', user: { token } }],
      contexts: [
        { name: 'pipeline', context: { cluster: 'testbed', user: 'switchyard', namespace } },
      ],
      'current-context': 'pipeline',
    }),
    { mode: 0o600 },
  );
  return { kubeconfig, remove: () => rm(dir, { recursive: true, force: true }) };
}
