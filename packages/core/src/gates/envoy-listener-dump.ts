/**
 * Envoy's HTTP connection managers as `config_dump` shows them, for the request header
 * limit (`max_request_headers_kb`). Pure: the preflight reader fetches, this reads. Like
 * `envoy-route-dump.ts`, both answers are accepted: `?resource=dynamic_listeners`
 * (`{"configs": [DynamicListener...]}`, an empty dump being `{}`) and the full dump, where
 * a `ListenersConfigDump` holds them.
 *
 * Which listeners carry the service's requests:
 * - a caller's sidecar (`outbound`): the listeners whose connection manager takes its routes
 *   from the RDS configuration named by the service port (`9080`);
 * - a gateway (`router`): every listener whose connection manager uses a gateway route
 *   configuration (`http.<port>`);
 * - the service's own sidecar (`inbound`): `virtualInbound`'s HTTP filter chains (those
 *   matching the target port when any says which port it matches).
 */
import { isJsonObject } from '../json-diff/json-value.js';
import { LISTENERS, sectionElements } from './config-dump-sections.js';

/** Envoy's `max_request_headers_kb` when the connection manager does not set it. */
export const ENVOY_DEFAULT_MAX_REQUEST_HEADERS_KB = 60;

const HCM = 'envoy.filters.network.http_connection_manager';

/** One HTTP connection manager of a listener. */
export interface HttpConnectionManagerDump {
  /** The listener's name (`0.0.0.0_9080`, `virtualInbound`). */
  readonly listener: string;
  /** Its RDS route configuration name, when it uses RDS. */
  readonly routeConfigName: string | undefined;
  /** The filter chain's `destination_port` match, when it has one. */
  readonly destinationPort: number | undefined;
  /** `max_request_headers_kb`, or Envoy's default when unset. */
  readonly maxRequestHeadersKb: number;
}

function managersOf(listener: Record<string, unknown>): HttpConnectionManagerDump[] {
  const name = typeof listener.name === 'string' ? listener.name : '';
  const chains: unknown[] = [
    ...(Array.isArray(listener.filter_chains) ? (listener.filter_chains as unknown[]) : []),
    ...(isJsonObject(listener.default_filter_chain) ? [listener.default_filter_chain] : []),
  ];
  const out: HttpConnectionManagerDump[] = [];
  for (const chain of chains) {
    if (!isJsonObject(chain)) continue;
    const match = isJsonObject(chain.filter_chain_match) ? chain.filter_chain_match : {};
    for (const filter of Array.isArray(chain.filters) ? chain.filters : []) {
      if (!isJsonObject(filter) || filter.name !== HCM || !isJsonObject(filter.typed_config))
        continue;
      const config = filter.typed_config;
      const limit = Number(config.max_request_headers_kb);
      const rds = isJsonObject(config.rds) ? config.rds : undefined;
      out.push({
        listener: name,
        routeConfigName:
          typeof rds?.route_config_name === 'string' ? rds.route_config_name : undefined,
        destinationPort:
          typeof match.destination_port === 'number' ? match.destination_port : undefined,
        maxRequestHeadersKb:
          Number.isInteger(limit) && limit > 0 ? limit : ENVOY_DEFAULT_MAX_REQUEST_HEADERS_KB,
      });
    }
  }
  return out;
}

function listenerOf(element: Record<string, unknown>): Record<string, unknown> | undefined {
  const active = element.active_state;
  return isJsonObject(active) && isJsonObject(active.listener) ? active.listener : undefined;
}

/**
 * Every HTTP connection manager of the active dynamic listeners in a config_dump answer.
 *
 * @throws ConfigDumpFormatError when the answer is not a config dump at all.
 */
export function parseHttpConnectionManagers(body: unknown): HttpConnectionManagerDump[] {
  return sectionElements(body, LISTENERS).flatMap((element) => {
    const listener = listenerOf(element);
    return listener ? managersOf(listener) : [];
  });
}

/** Where on the request's path a proxy sits. */
export type HeaderLimitRole =
  | { readonly direction: 'outbound'; readonly proxyType: string; readonly port: number }
  | { readonly direction: 'inbound'; readonly targetPort: number | undefined };

/**
 * The lowest `max_request_headers_kb` among the connection managers on the service's path
 * for this proxy (see the module comment), with its listener; undefined when none is.
 */
export function headerLimitOf(
  managers: readonly HttpConnectionManagerDump[],
  role: HeaderLimitRole,
): { kb: number; listener: string } | undefined {
  let relevant: HttpConnectionManagerDump[];
  if (role.direction === 'outbound') {
    relevant = managers.filter((m) =>
      role.proxyType === 'router'
        ? m.routeConfigName?.startsWith('http.') === true
        : m.routeConfigName === String(role.port),
    );
  } else {
    const inbound = managers.filter((m) => m.listener === 'virtualInbound');
    const byPort = inbound.filter((m) => m.destinationPort === role.targetPort);
    relevant = byPort.length > 0 ? byPort : inbound.filter((m) => m.destinationPort === undefined);
  }
  if (relevant.length === 0) return undefined;
  const lowest = relevant.reduce((a, b) => (b.maxRequestHeadersKb < a.maxRequestHeadersKb ? b : a));
  return { kb: lowest.maxRequestHeadersKb, listener: lowest.listener };
}
