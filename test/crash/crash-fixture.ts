/**
 * One namespace per crash point, holding the reviews service of examples/bookinfo (its
 * Service, both slots' Deployments with one pod on blue, the DestinationRule and the
 * VirtualService) plus fields and a route of the user's own that switchyard must never
 * touch: a label and an annotation on the VirtualService, a `user-legacy` route above the
 * managed one, a traffic policy on the DestinationRule. Created with kubectl, so the
 * simulator and the real test bed get the same objects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { BOOKINFO_MANIFESTS, runKubectl } from '@switchyard/test-utils';

type Json = Record<string, any>;

const FILES = [
  '00-namespace.yaml',
  'reviews-service.yaml',
  'reviews-blue.yaml',
  'reviews-green.yaml',
  'reviews-destinationrule.yaml',
  'reviews-virtualservice.yaml',
];

/** The user's route: requests under /legacy stay on blue whatever switchyard does. */
export const USER_ROUTE = {
  name: 'user-legacy',
  match: [{ uri: { prefix: '/legacy' } }],
  route: [{ destination: { host: 'reviews', subset: 'blue' } }],
  timeout: '3s',
};

/** The fixture's objects in `namespace`. */
export function crashFixture(namespace: string): Json[] {
  const objects: Json[] = [];
  for (const file of FILES) {
    for (const doc of loadAll(readFileSync(join(BOOKINFO_MANIFESTS, file), 'utf8'))) {
      const object = doc as Json;
      if (object.kind === 'Namespace') object.metadata.name = namespace;
      else object.metadata.namespace = namespace;
      if (object.metadata.name === 'reviews-blue') object.spec.replicas = 1;
      if (object.kind === 'VirtualService') {
        // Mesh traffic only: the harness scopes the sync gate to this namespace's proxies.
        object.spec.gateways = ['mesh'];
        object.metadata.labels = { team: 'reviews' };
        object.metadata.annotations = { 'example.com/owner': 'reviews-team' };
        object.spec.http.unshift(USER_ROUTE);
      }
      if (object.kind === 'DestinationRule') {
        object.spec.trafficPolicy = { connectionPool: { tcp: { maxConnections: 100 } } };
      }
      objects.push(object);
    }
  }
  return objects;
}

/** Creates the fixture in `namespace` (with `kubectl create`: no last-applied annotation). */
export async function createCrashFixture(kubeconfig: string, namespace: string): Promise<void> {
  const yaml = crashFixture(namespace)
    .map((object) => dump(object))
    .join('---\n');
  await runKubectl(kubeconfig, ['create', '-f', '-'], yaml);
}
