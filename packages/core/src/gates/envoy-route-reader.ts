/**
 * Reads one proxy's route configurations from Envoy's own admin (`config_dump`), through a
 * port-forward to the pod's admin port (Envoy listens on 127.0.0.1:15000 inside the pod),
 * opened for the read and closed after it (docs/reference/istio.md §2). The data-plane
 * verifier and the sync gate's push fence (`push-fence.ts`) both read proxies this way.
 */
import { PortForwardError } from '../errors.js';
import type { PortForwarder } from '../kube/port-forward.js';
import { parseRouteConfigDump, type DynamicRouteConfig } from './envoy-route-dump.js';

/** Envoy's admin port. */
export const ENVOY_ADMIN_PORT = 15000;

/** The pod of a proxy, as syncz names it. */
export interface ProxyPod {
  /** Pod name. */
  readonly pod: string;
  /** Pod namespace. */
  readonly namespace: string;
}

/**
 * A proxy's dynamic route configurations, as its Envoy has them now. Rejects with
 * PortForwardError when the pod cannot be reached or does not answer a config dump.
 */
export type EnvoyRouteReader = (
  proxy: ProxyPod,
  signal?: AbortSignal,
) => Promise<DynamicRouteConfig[]>;

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
      const path = '/config_dump?resource=dynamic_route_configs';
      const response = await forward.fetch(path, { timeoutMs, signal });
      const text = response.body.toString('utf8');
      if (response.status !== 200)
        throw failure(`GET ${path} answered ${response.status}: ${text.slice(0, 200)}`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw failure(`GET ${path} answered invalid JSON`);
      }
      return parseRouteConfigDump(body);
    } finally {
      await forward.close();
    }
  };
}
