/**
 * Host names as Istio handles them (`pkg/config/host`, `pilot/pkg/model`
 * `ResolveShortnameToFQDN`, `pilot/pkg/networking/core/httproute.go`
 * `generateVirtualHostDomains`): short-name resolution in the config's namespace, wildcard
 * matching, and the domains a sidecar's virtual host answers for.
 */

/** The cluster DNS domain the simulated cluster uses. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** `reviews.bookinfo.svc.cluster.local`. */
export function serviceFqdn(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Resolves a host written in a config of `namespace`, as istiod does on ingest: only a name
 * without any dot is expanded (`reviews` -> `reviews.<ns>.svc.cluster.local`); `*`, IP
 * addresses and anything with a dot (including `reviews.bookinfo`, which then matches no
 * Service) are taken as written.
 */
export function resolveHost(hostname: string, namespace: string): string {
  if (hostname === '' || hostname === '*' || IPV4.test(hostname) || hostname.includes(':')) {
    return hostname;
  }
  if (hostname.includes('.')) return hostname.toLowerCase();
  return serviceFqdn(hostname.toLowerCase(), namespace);
}

/** True for `*` and `*.suffix` hosts. */
export function isWildcardHost(hostname: string): boolean {
  return hostname.startsWith('*');
}

/**
 * Istio's `host.Name.Matches`: true when either host covers the other (`*.foo.com` and
 * `bar.foo.com` match each other; two concrete hosts match only when equal).
 */
export function hostsMatch(a: string, b: string): boolean {
  const aWild = isWildcardHost(a);
  const bWild = isWildcardHost(b);
  if (aWild && bWild) {
    // The longer wildcard must end with the shorter one's suffix (`*` matches every wildcard).
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  }
  if (aWild) return b.endsWith(a.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * Istio's `host.Name.SubsetOf`: true when every name `a` covers is also covered by `b`.
 */
export function hostIsSubsetOf(a: string, b: string): boolean {
  if (isWildcardHost(b)) {
    if (b === '*') return true;
    const suffix = b.slice(1);
    return isWildcardHost(a) ? a !== '*' && a.slice(1).endsWith(suffix) : a.endsWith(suffix);
  }
  return !isWildcardHost(a) && a === b;
}

/**
 * The domains of a sidecar virtual host for a Kubernetes Service, as Istio generates them
 * for a proxy in `proxyNamespace` (`generateVirtualHostDomains`, `GenerateAltVirtualHosts`).
 * Sidecar route configurations set `ignore_port_in_host_matching`, so no `host:port` forms
 * are added. Same namespace: `[fqdn, name, name.ns.svc, name.ns, clusterIP]`; other
 * namespaces drop the bare name: `[fqdn, name.ns, name.ns.svc, clusterIP]`. With
 * `absoluteFqdn` (Istio 1.27+) the absolute `fqdn.` follows the FQDN.
 */
export function sidecarServiceDomains(
  hostname: string,
  proxyNamespace: string,
  clusterIP: string | undefined,
  absoluteFqdn = false,
): string[] {
  const domains = [hostname];
  if (absoluteFqdn && !IPV4.test(hostname) && !hostname.includes(':')) domains.push(`${hostname}.`);
  domains.push(...kubernetesAltHosts(hostname, proxyNamespace));
  if (clusterIP !== undefined && clusterIP !== '' && clusterIP !== 'None') domains.push(clusterIP);
  return domains;
}

function kubernetesAltHosts(hostname: string, proxyNamespace: string): string[] {
  const svcSuffix = `.svc.${CLUSTER_DOMAIN}`;
  if (!hostname.endsWith(svcSuffix)) return [];
  const nameAndNamespace = hostname.slice(0, -svcSuffix.length);
  const dot = nameAndNamespace.indexOf('.');
  if (dot <= 0 || dot === nameAndNamespace.length - 1) return [];
  const name = nameAndNamespace.slice(0, dot);
  const namespace = nameAndNamespace.slice(dot + 1);
  if (namespace.includes('.')) return [];
  if (namespace === proxyNamespace) {
    return [name, `${nameAndNamespace}.svc`, nameAndNamespace];
  }
  return [nameAndNamespace, `${nameAndNamespace}.svc`];
}
