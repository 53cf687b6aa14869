/**
 * What the release engine asks of the data-plane verifier: prove from Envoy's own
 * config_dump that proxies route as switchyard applied. `EnvoyDataplaneVerifier`
 * implements it; a route backend describes what to expect (`RouteBackend.dataplaneExpectation`).
 */
import type { ProxyScope } from './sync-gate.js';

/**
 * What Envoy should have for the service after a change, in Envoy's terms: the outbound
 * clusters `outbound|<port>|<subset>|<host>` of one host, weighted on the managed route.
 */
export interface DataplaneExpectation {
  /** Service FQDN, `reviews.bookinfo.svc.cluster.local`. */
  host: string;
  /** Service port of the route configuration, e.g. 9080. */
  port: number;
  /** Expected weight per subset on the managed route (zero weights are expected absent). */
  weights: Readonly<Record<string, number>>;
  /** Name of the managed route, when it has one (Envoy route name). */
  routeName?: string | undefined;
  /** The pre-release header route: expected present (to `subset`) or absent. */
  headerRoute: { name: string; present: boolean; subset?: string | undefined };
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
