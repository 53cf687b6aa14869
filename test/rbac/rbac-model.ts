/**
 * How the API server would authorize switchyard: request attributes from a request's path
 * and method (Kubernetes' RequestInfo rules), and what a set of RBAC manifests grants their
 * ServiceAccount, per namespace.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import type { REQUIRED_PERMISSIONS } from '@switchyard/core';

/** One row of core's permission table. */
export type RequiredPermission = (typeof REQUIRED_PERMISSIONS)[number];

type Doc = Record<string, any>;

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RBAC = join(ROOT, 'deploy', 'rbac');

/** Every document of the YAML files in deploy/rbac/<dir>. */
export async function loadRbacDir(dir: string): Promise<Doc[]> {
  const files = (await readdir(join(RBAC, dir))).filter((f) => f.endsWith('.yaml')).sort();
  return (await Promise.all(files.map((f) => loadRbacFile(join(dir, f))))).flat();
}

/** Every document of deploy/rbac/<path>. */
export async function loadRbacFile(path: string): Promise<Doc[]> {
  const text = await readFile(join(RBAC, path), 'utf8');
  return (loadAll(text) as Doc[]).filter((doc) => doc !== null);
}

/** What a request asks to do, as RBAC sees it; undefined for non-resource paths (discovery). */
export interface ResourceAttributes {
  namespace: string;
  group: string;
  /** With `/subresource`. */
  resource: string;
  /** The verbs that must be allowed (port-forward over WebSocket: get, and create from 1.35). */
  verbs: string[];
}

/** Kubernetes' RequestInfo for `method url`. */
export function requestAttributes(
  method: string,
  url: string,
  upgrade: boolean,
): ResourceAttributes | undefined {
  const { pathname, searchParams } = new URL(url, 'http://api');
  const parts = pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1] as string;
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const full = subresource ? `${resource}/${subresource}` : (resource as string);
  let verbs: string[];
  if (upgrade) verbs = ['get', 'create'];
  else if (method === 'GET')
    verbs = [name ? 'get' : searchParams.get('watch') === 'true' ? 'watch' : 'list'];
  else if (method === 'POST') verbs = ['create'];
  else if (method === 'PUT') verbs = ['update'];
  else if (method === 'PATCH') verbs = ['patch'];
  else verbs = [name ? 'delete' : 'deletecollection'];
  return { namespace, group, resource: full, verbs };
}

/**
 * `namespace|group|resource|verb` for everything `docs` let their ServiceAccount do, as RBAC
 * evaluates it: a RoleBinding grants its role's rules in its own namespace, a
 * ClusterRoleBinding everywhere (`*`).
 */
export function granted(docs: Doc[]): string[] {
  const grants = new Set<string>();
  const roles = docs.filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole');
  for (const binding of docs.filter((d) => /^(Cluster)?RoleBinding$/.test(d.kind as string))) {
    const namespace = binding.kind === 'RoleBinding' ? (binding.metadata.namespace as string) : '*';
    const role = roles.find(
      (r) =>
        r.kind === binding.roleRef.kind &&
        r.metadata.name === binding.roleRef.name &&
        (r.kind === 'ClusterRole' || r.metadata.namespace === namespace),
    );
    for (const rule of (role?.rules ?? []) as Doc[]) {
      for (const group of rule.apiGroups as string[])
        for (const resource of rule.resources as string[])
          for (const verb of rule.verbs as string[])
            grants.add(`${namespace}|${group}|${resource}|${verb}`);
    }
  }
  return [...grants].sort();
}

/** Whether `grants` allow `verb` on the resource in `namespace`. */
export function allows(
  grants: readonly string[],
  namespace: string,
  group: string,
  resource: string,
  verb: string,
): boolean {
  return [namespace, '*'].some((ns) => grants.includes(`${ns}|${group}|${resource}|${verb}`));
}

/** Where each scope's namespace is in a variant. */
export type Placement = Record<RequiredPermission['scope'], readonly string[]>;

/** `namespace|group|resource|verb` for `permissions` placed in namespaces. */
export function needed(permissions: readonly RequiredPermission[], placement: Placement): string[] {
  const grants = new Set<string>();
  for (const p of permissions)
    for (const namespace of placement[p.scope])
      for (const verb of p.verbs) grants.add(`${namespace}|${p.apiGroup}|${p.resource}|${verb}`);
  return [...grants].sort();
}

/**
 * Namespaced: service bookinfo; cluster: bookinfo and shop, proxies anywhere. Cluster-scoped
 * objects and preflight reads are cluster-wide in both.
 */
export const PLACEMENT: Record<string, Placement> = {
  namespaced: {
    service: ['bookinfo'],
    istiod: ['istio-system'],
    prometheus: ['istio-system'],
    proxies: ['bookinfo'],
    cluster: ['*'],
    preflight: ['*'],
  },
  cluster: {
    service: ['bookinfo', 'shop'],
    istiod: ['istio-system'],
    prometheus: ['istio-system'],
    proxies: ['*'],
    cluster: ['*'],
    preflight: ['*'],
  },
};
