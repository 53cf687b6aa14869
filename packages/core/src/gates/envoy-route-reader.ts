/**
 * Reads one proxy's routes from Envoy's own admin (`config_dump`), through a port-forward to
 * the pod's admin port (Envoy listens on 127.0.0.1:15000 inside the pod), opened for the read
 * and closed after it (docs/reference/istio.md §2), and judges them against the applied
 * routes. The data-plane verifier and the sync gate's push fence (`push-fence.ts`) both read
 * and judge proxies this way, whatever their kind.
 *
 * Where the routes are depends on the kind of proxy: a sidecar's or a gateway's come by RDS
 * (`?resource=dynamic_route_configs`, `envoy-route-dump.ts`); a waypoint has no RDS, its
 * routes are inline in its listeners (`?resource=dynamic_listeners`, `envoy-waypoint-dump.ts`),
 * in its own cluster names.
 */
import { PortForwardError } from '../errors.js';
import type { PortForwarder } from '../kube/port-forward.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import { inspectRoutes, parseRouteConfigDump, type RouteInspection } from './envoy-route-dump.js';
import { waypointExpectation, waypointRouteConfig } from './envoy-waypoint-dump.js';

/** Envoy's admin port. */
export const ENVOY_ADMIN_PORT = 15000;

/** The pod of a proxy and its kind, as syncz names them. */
export interface ProxyPod {
  /** Pod name. */
  readonly pod: string;
  /** Pod namespace. */
  readonly namespace: string;
  /** `sidecar`, `router` or `waypoint` (syncz's proxy type). */
  readonly proxyType: string;
}

/**
 * A proxy's config_dump answer holding its routes, as its Envoy has them now (parsed JSON,
 * judged by {@link inspectProxyRoutes}). Rejects with PortForwardError when the pod cannot
 * be reached or does not answer a config dump.
 */
export type EnvoyRouteReader = (proxy: ProxyPod, signal?: AbortSignal) => Promise<unknown>;

/** The config_dump resource holding a proxy's routes: a waypoint's are inline in its listeners. */
function routeResource(proxyType: string): string {
  return proxyType === 'waypoint' ? 'dynamic_listeners' : 'dynamic_route_configs';
}

/** An {@link EnvoyRouteReader} over port-forwards; each read is allowed `timeoutMs`. */
export function envoyRouteReader(
  portForwarder: PortForwarder,
  timeoutMs: number,
): EnvoyRouteReader {
  return async (proxy, signal) => {
    const target = { namespace: proxy.namespace, pod: proxy.pod, port: ENVOY_ADMIN_PORT };
    const failure = (message: string): PortForwardError =>
      new PortForwardError(
        { kind: 'Pod', namespace: proxy.namespace, name: proxy.pod },
        ENVOY_ADMIN_PORT,
        message,
      );
    const forward = await portForwarder.open(target, { verify: false });
    try {
      const path = `/config_dump?resource=${routeResource(proxy.proxyType)}`;
      const response = await forward.fetch(path, { timeoutMs, signal });
      const text = response.body.toString('utf8');
      if (response.status !== 200)
        throw failure(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw failure(`GET ${path} answered invalid JSON`);
      }
    } finally {
      await forward.close();
    }
  };
}

/**
 * Whether a proxy's routes (`dump`, its {@link EnvoyRouteReader} answer) mention the service
 * and match `expectation`. A waypoint's route configuration is the one inlined for the
 * Service's VIP and port, judged in the waypoint's cluster names.
 *
 * @throws ConfigDumpFormatError when the answer is not a config dump at all.
 */
export function inspectProxyRoutes(
  dump: unknown,
  expectation: DataplaneExpectation,
  proxyType: string,
): RouteInspection {
  if (proxyType === 'waypoint') {
    const config = waypointRouteConfig(dump, expectation.host, expectation.port);
    return inspectRoutes(config ? [config] : [], waypointExpectation(expectation), 'waypoint');
  }
  return inspectRoutes(parseRouteConfigDump(dump), expectation, proxyType);
}
