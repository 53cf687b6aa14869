/**
 * Istio host matching: a host `*.bookinfo.svc.cluster.local` (or `*`) covers
 * `reviews.bookinfo.svc.cluster.local`; other hosts match only themselves. Hosts are
 * compared as istiod reads them (`resolveHost`).
 */
import { resolveHost } from '../istio/host-name.js';

/** True when `pattern` (resolved, maybe a wildcard) covers `host` (resolved, not a wildcard). */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/**
 * A VirtualService's `hosts` as istiod matches them against Services: resolved in the
 * VirtualService's namespace, then lower-cased (`separateVSHostsAndServices`).
 */
export function resolvedHosts(hosts: readonly string[] | undefined, namespace: string): string[] {
  return (hosts ?? []).map((host) => resolveHost(host, namespace).toLowerCase());
}

/** True when `exportTo` (absent: `*`) makes a config in `configNamespace` visible in `namespace`. */
export function isExportedTo(
  exportTo: readonly string[] | undefined,
  configNamespace: string,
  namespace: string,
): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  return exportTo.some(
    (entry) =>
      entry === '*' || entry === namespace || (entry === '.' && configNamespace === namespace),
  );
}
