/**
 * Service host identity. Kubernetes gives a Service four spellings that clients use
 * interchangeably: `reviews`, `reviews.bookinfo`, `reviews.bookinfo.svc` and
 * `reviews.bookinfo.svc.cluster.local`. A short name in a VirtualService or DestinationRule
 * resolves in that object's own namespace, not the Service's (istio.md §4), so the same
 * `reviews` in two namespaces names two different hosts. Comparing hosts always goes
 * through {@link resolveHost}.
 */

/** The Kubernetes cluster DNS domain unless a cluster is configured otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * The fully qualified name of `host` as written in an object in `namespace`:
 * `reviews` → `reviews.<namespace>.svc.<domain>`, `reviews.bookinfo` →
 * `reviews.bookinfo.svc.<domain>`, `reviews.bookinfo.svc` → `reviews.bookinfo.svc.<domain>`.
 * Wildcards, IP addresses and other names are returned as written (lower-cased, without a
 * trailing dot).
 */
export function resolveHost(
  host: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  if (name === '' || name.startsWith('*') || IPV4.test(name) || name.includes(':')) return name;
  const labels = name.split('.');
  if (labels.length === 1) return `${name}.${namespace}.svc.${clusterDomain}`;
  if (labels.length === 2) return `${name}.svc.${clusterDomain}`;
  if (labels.length === 3 && labels[2] === 'svc') return `${name}.${clusterDomain}`;
  return name;
}

/** True when `a` and `b`, both written in objects in `namespace`, name the same host. */
export function isSameHost(
  a: string,
  b: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): boolean {
  return resolveHost(a, namespace, clusterDomain) === resolveHost(b, namespace, clusterDomain);
}
