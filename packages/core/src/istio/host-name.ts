/**
 * Host names in Istio configuration, resolved the way istiod resolves them
 * (`ResolveShortnameToFQDN`, pilot/pkg/model/config.go): a name without a dot is a short
 * name in the namespace of the object that contains it (`reviews` in a VirtualService of
 * `bookinfo` is `reviews.bookinfo.svc.cluster.local`); any name with a dot is taken as fully
 * qualified, as written. So `reviews.bookinfo` and `reviews.bookinfo.svc`, which cluster DNS
 * resolves for a client, name no Service in a VirtualService's `hosts`, a route's
 * `destination.host` or a DestinationRule's `host`: istiod matches them against no Service
 * and the object routes none of its traffic. Comparing hosts always goes through
 * {@link resolveHost}.
 */
import { isIP } from 'node:net';

/** The Kubernetes cluster DNS domain unless a cluster is configured otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * The host istiod reads `host` as, written in an object in `namespace`: a short name
 * (no dot) becomes `<host>.<namespace>.svc.<domain>`; `*`, IP addresses and every name
 * with a dot are returned exactly as written (`reviews.bookinfo` stays `reviews.bookinfo`).
 */
export function resolveHost(
  host: string,
  namespace: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string {
  if (host === '' || host === '*' || isIP(host) !== 0 || host.includes('.')) return host;
  const qualified = namespace === '' ? host : `${host}.${namespace}`;
  return clusterDomain === '' ? qualified : `${qualified}.svc.${clusterDomain}`;
}

/**
 * How a host written as `<service>.<namespace>` or `<service>.<namespace>.svc` (which
 * cluster DNS resolves, but istiod reads as fully qualified) should be written to name the
 * Service: `reviews.bookinfo.svc.cluster.local`. Undefined for any other host.
 */
export function dnsOnlyServiceSpelling(
  host: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string | undefined {
  const labels = host.split('.');
  const [name, namespace, svc] = labels;
  if (!name || !namespace || isIP(host) !== 0 || name.startsWith('*')) return undefined;
  if (labels.length === 2 || (labels.length === 3 && svc === 'svc'))
    return `${name}.${namespace}.svc.${clusterDomain}`;
  return undefined;
}
