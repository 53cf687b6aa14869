/**
 * What the release engine asks of the data-plane verifier: prove from Envoy's own
 * config_dump that proxies route as switchyard applied. `EnvoyDataplaneVerifier`
 * implements it; a route backend describes what to expect (`RouteBackend.dataplaneExpectation`).
 */
import type { ProxyScope } from './sync-gate.js';

/**
 * What Envoy should have for the service after a change, in Envoy's terms: the outbound
 * clusters of the slots, weighted on the managed route. A VirtualService's slots are subsets
 * of one host (`outbound|<port>|<subset>|<host>`); an HTTPRoute's are two Services
 * (`outbound|<port>||<slot-service>.<ns>.svc.cluster.local`), named in `clusters`.
 */
export interface DataplaneExpectation {
  /**
   * FQDN whose virtual host carries the routes on sidecars (`reviews.bookinfo.svc.cluster.local`):
   * the service host of a VirtualService, the parent Service of an HTTPRoute.
   */
  host: string;
  /** Service port of the sidecars' route configuration, e.g. 9080. */
  port: number;
  /**
   * Expected weight per destination on the managed route (zero weights are expected absent),
   * keyed by subset name (VirtualService) or slot Service name (HTTPRoute).
   */
  weights: Readonly<Record<string, number>>;
  /**
   * Envoy's cluster of each key of `weights`; undefined: the keys are subsets of `host` at
   * `port` (`outbound|<port>|<subset>|<host>`).
   */
  clusters?: Readonly<Record<string, string>> | undefined;
  /** Name of the managed route, when it has one (Envoy route name). */
  routeName?: string | undefined;
  /**
   * The pre-release header route: expected present (sending to the destination keyed
   * `destination`, as in `weights`) or absent.
   */
  headerRoute: { name: string; present: boolean; destination?: string | undefined };
}

/** One proxy checked by the verifier. */
export interface DataplaneProxyCheck {
  /** Proxy id. */
  proxy: string;
  /** `sidecar` or `router`. */
  proxyType: string;
  /** Envoy's `version_info` of the route configuration inspected. */
  version: string;
}

/** Options of one verification. */
export interface DataplaneVerifyOptions {
  /** Proxies to check, at most. */
  count: number;
  /** The proxies to pick from: the sync gate's scope of the change (`RouteBackend.proxyScope`). */
  scope: ProxyScope;
  /** Aborts the verification. */
  signal?: AbortSignal | undefined;
}

/** Proves from Envoy's own config_dump that proxies have the expected routes. */
export interface DataplaneVerifier {
  /**
   * Checks up to `count` proxies of `scope` (gateways first, then client sidecars). Throws
   * DataplaneMismatchError naming the first proxy whose routes differ.
   */
  verify(
    expectation: DataplaneExpectation,
    options: DataplaneVerifyOptions,
  ): Promise<DataplaneProxyCheck[]>;
}
