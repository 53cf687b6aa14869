/**
 * What an application's DNS lookup of a host gives inside a pod: Kubernetes cluster DNS
 * with the pod's search path (`<ns>.svc.cluster.local svc.cluster.local cluster.local`,
 * `ndots:5`). A host is resolvable when it names an existing Service; a name that is not
 * a Service fails before the sidecar sees any request, as NXDOMAIN does.
 */

/** The cluster DNS domain (Kubernetes' default). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** Result of resolving a host. */
export type ResolvedHost =
  | {
      /** A Service's name. */
      kind: 'service';
      /** Service namespace. */
      namespace: string;
      /** Service name. */
      name: string;
      /** `<name>.<namespace>.svc.cluster.local`. */
      fqdn: string;
    }
  | {
      /** An IP literal: nothing to resolve. */
      kind: 'address';
    };

/**
 * Resolves `host` as a pod in `clientNamespace` would; `serviceExists` looks a Service up.
 * Undefined when the name does not resolve.
 */
export function resolveServiceHost(
  host: string,
  clientNamespace: string,
  serviceExists: (namespace: string, name: string) => unknown,
): ResolvedHost | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':')) return { kind: 'address' };
  const labels = name.split('.');
  // The search path tries <host>.<ns>.svc.cluster.local first; for one label that is the
  // client's namespace, for <svc>.<ns> it is svc.cluster.local that matches.
  let service: string | undefined;
  let namespace: string | undefined;
  if (labels.length === 1) [service, namespace] = [labels[0], clientNamespace];
  else if (labels.length === 2) [service, namespace] = labels;
  else if (labels.length === 3 && labels[2] === 'svc') [service, namespace] = labels;
  else if (labels.length === 5 && name.endsWith(`.svc.${CLUSTER_DOMAIN}`)) {
    [service, namespace] = labels;
  }
  if (!service || !namespace || !serviceExists(namespace, service)) return undefined;
  return {
    kind: 'service',
    namespace,
    name: service,
    fqdn: `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`,
  };
}
