/**
 * The Kubernetes Services a VirtualService's destinations name. A destination host written
 * `reviews` (or any spelling of a Service name) resolves in the VirtualService's namespace
 * to `<name>.<namespace>.svc.<domain>`: that Service must exist, or a ServiceEntry must
 * declare the host, for Envoy to have a cluster to send to.
 */
import { DEFAULT_CLUSTER_DOMAIN, resolveHost } from '../istio/host-name.js';
import { routeDestinationsOf } from '../istio/route-destinations.js';
import type { VirtualService } from '../istio/types.js';

const SERVICE_HOST = new RegExp(
  `^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${DEFAULT_CLUSTER_DOMAIN.replaceAll('.', '\\.')}$`,
);

/** `namespace/name` of the Service a resolved host names, or undefined for other hosts. */
export function serviceKeyOfHost(host: string): string | undefined {
  const match = SERVICE_HOST.exec(host);
  return match ? `${match[2] as string}/${match[1] as string}` : undefined;
}

/** `namespace/name` of every Service the destinations of `virtualService` name. */
export function routeServiceKeysOf(virtualService: VirtualService, namespace: string): string[] {
  const vsNamespace = virtualService.metadata.namespace ?? namespace;
  return routeDestinationsOf(virtualService.spec)
    .map(({ destination }) => serviceKeyOfHost(resolveHost(destination.host, vsNamespace)))
    .filter((key): key is string => key !== undefined);
}
