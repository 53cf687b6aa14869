/**
 * deploy/rbac and the README's "What it needs in a real cluster" against the one table of
 * the permissions switchyard uses (`REQUIRED_PERMISSIONS` in core): each variant grants
 * exactly those verbs in the namespaces they are needed in, every role is bound to the
 * variant's ServiceAccount, and the README lists the same rows.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIRED_PERMISSIONS } from '@switchyard/core';
import type { RequiredPermission } from './rbac-model.js';
import {
  granted,
  loadRbacDir as loadDir,
  loadRbacFile as loadFile,
  needed,
  PLACEMENT,
  ROOT,
  type Placement,
} from './rbac-model.js';

type Doc = Record<string, any>;

/** What `docs` grant beyond `permissions`, and what they miss. */
function compare(docs: Doc[], permissions: readonly RequiredPermission[], placement: Placement) {
  const have = granted(docs);
  const want = needed(permissions, placement);
  return {
    missing: want.filter((g) => !have.includes(g)),
    extra: have.filter((g) => !want.includes(g)),
  };
}

// The proxies' rows that hold for every release (the sync gate's config_dump reads) are in
// the base variants; the one for sync.scope.selector is verify-dataplane/.
const ALWAYS = REQUIRED_PERMISSIONS.filter(
  (p) => p.scope !== 'preflight' && !(p.scope === 'proxies' && p.onlyWhen !== undefined),
);
const WITH_DATAPLANE = REQUIRED_PERMISSIONS.filter((p) => p.scope !== 'preflight');

/** Problems with the bindings: every role bound, to the variant's ServiceAccount only. */
function bindingProblems(docs: Doc[]): string[] {
  const problems: string[] = [];
  const accounts = docs
    .filter((d) => d.kind === 'ServiceAccount')
    .map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
  const roles = docs.filter((d) => d.kind === 'Role' || d.kind === 'ClusterRole');
  const bindings = docs.filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding');
  for (const binding of bindings) {
    const at = `${binding.kind} ${binding.metadata.namespace ?? ''}/${binding.metadata.name}`;
    const ref = binding.roleRef as Doc;
    const role = roles.find(
      (r) =>
        r.kind === ref.kind &&
        r.metadata.name === ref.name &&
        (r.kind === 'ClusterRole' || r.metadata.namespace === binding.metadata.namespace),
    );
    if (ref.apiGroup !== 'rbac.authorization.k8s.io' || !role)
      problems.push(`${at}: roleRef ${ref.kind} ${ref.name} is not defined here`);
    for (const subject of binding.subjects as Doc[]) {
      if (
        subject.kind !== 'ServiceAccount' ||
        !accounts.includes(`${subject.namespace}/${subject.name}`)
      )
        problems.push(
          `${at}: subject ${subject.kind} ${subject.namespace}/${subject.name} is not this variant's ServiceAccount`,
        );
    }
  }
  for (const role of roles) {
    const bound = bindings.some(
      (b) => b.roleRef.kind === role.kind && b.roleRef.name === role.metadata.name,
    );
    if (!bound) problems.push(`${role.kind} ${role.metadata.name}: not bound`);
  }
  for (const doc of docs) {
    if (
      doc.apiVersion !==
      (doc.kind === 'ServiceAccount' || doc.kind === 'Namespace'
        ? 'v1'
        : 'rbac.authorization.k8s.io/v1')
    )
      problems.push(`${doc.kind} ${doc.metadata?.name}: apiVersion ${doc.apiVersion}`);
    const namespaced = ['Role', 'RoleBinding', 'ServiceAccount'].includes(doc.kind);
    if (namespaced !== (doc.metadata?.namespace !== undefined))
      problems.push(
        `${doc.kind} ${doc.metadata?.name}: namespace ${namespaced ? 'missing' : 'not allowed'}`,
      );
  }
  return problems;
}

describe('deploy/rbac', () => {
  it.each(['namespaced', 'cluster'])(
    '%s grants exactly the permissions core uses, with and without the optional parts',
    async (dir) => {
      const docs = await loadDir(dir);
      const placement = PLACEMENT[dir] as Placement;
      expect(compare(docs, ALWAYS, placement)).toEqual({ missing: [], extra: [] });
      expect(bindingProblems(docs)).toEqual([]);
      const withDataplane = [...docs, ...(await loadFile(`verify-dataplane/${dir}.yaml`))];
      expect(compare(withDataplane, WITH_DATAPLANE, placement)).toEqual({
        missing: [],
        extra: [],
      });
      const everything = [...withDataplane, ...(await loadFile(`preflight/${dir}.yaml`))];
      expect(compare(everything, REQUIRED_PERMISSIONS, placement)).toEqual({
        missing: [],
        extra: [],
      });
      expect(bindingProblems(everything)).toEqual([]);
    },
  );

  it('the comparison names a missing verb, an extra one and an unbound role', async () => {
    const docs = structuredClone(await loadDir('namespaced'));
    const role = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'bookinfo') as Doc;
    role.rules[1].verbs = ['get', 'create', 'update', 'delete'];
    role.rules[5].verbs = ['get', 'create'];
    docs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'stray', namespace: 'bookinfo' },
      rules: [],
    });
    expect(compare(docs, ALWAYS, PLACEMENT.namespaced as Placement)).toEqual({
      missing: ['bookinfo|coordination.k8s.io|leases|update'],
      extra: ['bookinfo|apps|deployments|delete'],
    });
    expect(bindingProblems(docs)).toEqual(['Role stray: not bound']);
  });
});

describe("the README's list of permissions", () => {
  const SCOPE_LABEL: Record<RequiredPermission['scope'], string> = {
    service: "the service's",
    istiod: "istiod's",
    prometheus: "Prometheus'",
    proxies: "the proxies'",
    cluster: 'cluster-scoped',
    preflight: 'cluster-wide',
  };

  it('is the table core exports, row for row', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## What it needs in a real cluster'),
      readme.indexOf('\n## ', readme.indexOf('## What it needs in a real cluster') + 3),
    );
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .slice(2)
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      REQUIRED_PERMISSIONS.map((p) => [
        SCOPE_LABEL[p.scope],
        p.apiGroup === '' ? '(core)' : p.apiGroup,
        p.resource,
        p.verbs.join(', '),
        p.purpose,
        p.onlyWhen ?? '',
      ]),
    );
  });
});
