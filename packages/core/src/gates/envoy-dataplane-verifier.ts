/**
 * Proves from Envoy's own config that proxies route as switchyard applied: syncz says a
 * proxy acked a push, config_dump shows what it is running (read as `envoy-route-reader.ts`
 * does: a port-forward to the pod's admin port, opened for the read and closed after it).
 *
 * Which proxies: waypoints first (in ambient they carry the mesh's requests; their routes
 * are read from `main_internal`, `envoy-waypoint-dump.ts`), then gateways (`router`), since
 * they carry user traffic from outside, then sidecars of pods that are clients of the service
 * (any sidecar outside the service's own pods), each group in random order so repeated checks
 * cover different proxies. A proxy
 * whose routes do not mention the service (not a client of it) does not count and the next
 * candidate is tried, up to three times `count` candidates.
 */
import { DataplaneMismatchError, PortForwardError } from '../errors.js';
import { labelSelectorText } from '../kube/label-selector.js';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { PortForwarder } from '../kube/port-forward.js';
import type {
  DataplaneExpectation,
  DataplaneProxyCheck,
  DataplaneVerifier,
  DataplaneVerifyOptions,
} from './dataplane-verifier.js';
import type { ProxyScope } from './sync-gate.js';
import { throwIfAborted } from './abort-error.js';
import type { RouteInspection } from './envoy-route-dump.js';
import {
  envoyRouteReader,
  inspectProxyRoutes,
  type EnvoyRouteReader,
} from './envoy-route-reader.js';
import type { ProxyRouteStatus } from './syncz-status.js';

/** Candidates tried per proxy asked for, at most. */
const CANDIDATES_PER_CHECK = 3;
/** Proxies inspected at the same time. */
const CONCURRENCY = 4;

/** Options of {@link EnvoyDataplaneVerifier}. */
export interface EnvoyDataplaneVerifierOptions {
  /** The proxies in a sync scope, as syncz lists them now (`IstiodSyncGate.proxiesInScope`). */
  proxies: (scope: ProxyScope, signal?: AbortSignal) => Promise<readonly ProxyRouteStatus[]>;
  /** Opens port-forwards to Envoy's admin port. */
  portForwarder: PortForwarder;
  /** Reads the Service, to leave its own pods out; undefined: no proxy is left out. */
  services?: ServiceReader | undefined;
  /** Lists the Service's pods; undefined: no proxy is left out. */
  pods?: PodLister | undefined;
  /** Uniform random numbers in [0, 1) for the order of candidates; default `Math.random`. */
  random?: (() => number) | undefined;
  /** Time allowed for one config_dump, in milliseconds (default 10 000). */
  requestTimeoutMs?: number | undefined;
}

/** {@link DataplaneVerifier} over Envoy's `config_dump`. */
export class EnvoyDataplaneVerifier implements DataplaneVerifier {
  readonly #proxies: EnvoyDataplaneVerifierOptions['proxies'];
  readonly #routes: EnvoyRouteReader;
  readonly #services: ServiceReader | undefined;
  readonly #pods: PodLister | undefined;
  readonly #random: () => number;

  constructor(options: EnvoyDataplaneVerifierOptions) {
    this.#proxies = options.proxies;
    this.#routes = envoyRouteReader(options.portForwarder, options.requestTimeoutMs ?? 10_000);
    this.#services = options.services;
    this.#pods = options.pods;
    this.#random = options.random ?? Math.random;
  }

  async verify(
    expectation: DataplaneExpectation,
    options: DataplaneVerifyOptions,
  ): Promise<DataplaneProxyCheck[]> {
    const { count, signal } = options;
    if (count <= 0) return [];
    const all = await this.#proxies(options.scope, signal);
    const own = await this.#ownProxies(expectation.host, signal);
    const routers = this.#shuffle(all.filter((p) => p.proxyType === 'router'));
    const sidecars = this.#shuffle(
      all.filter((p) => p.proxyType === 'sidecar' && !own.has(p.proxy)),
    );
    // Waypoints first: in ambient they carry the mesh's requests.
    const waypoints = this.#shuffle(all.filter((p) => p.proxyType === 'waypoint'));
    const candidates = [...waypoints, ...routers, ...sidecars].slice(
      0,
      count * CANDIDATES_PER_CHECK,
    );
    const checks: DataplaneProxyCheck[] = [];
    const failures: PortForwardError[] = [];
    let next = 0;
    while (checks.length < count && next < candidates.length) {
      const batch = candidates.slice(next, next + Math.min(CONCURRENCY, count - checks.length));
      next += batch.length;
      const results = await Promise.all(
        batch.map(async (proxy) => {
          try {
            return { proxy, inspection: await this.#inspect(proxy, expectation, signal) };
          } catch (error) {
            throwIfAborted(signal, 'data-plane verification');
            // The pod may be gone since syncz listed it: try another candidate.
            if (error instanceof PortForwardError) failures.push(error);
            else throw error;
            return { proxy, inspection: undefined };
          }
        }),
      );
      for (const { proxy, inspection } of results) {
        if (!inspection?.relevant) continue;
        if (inspection.mismatch) {
          throw new DataplaneMismatchError(
            proxy.proxy,
            inspection.mismatch.expected,
            inspection.mismatch.actual,
            `Envoy's routes differ from the applied routes: ${inspection.mismatch.message}`,
          );
        }
        if (checks.length < count)
          checks.push({
            proxy: proxy.proxy,
            proxyType: proxy.proxyType,
            version: inspection.version,
          });
      }
    }
    // Nothing verified because nothing could be reached: that is a failure, not a pass.
    const lastFailure = failures.at(-1);
    if (checks.length === 0 && lastFailure) throw lastFailure;
    return checks;
  }

  async #inspect(
    proxy: ProxyRouteStatus,
    expectation: DataplaneExpectation,
    signal: AbortSignal | undefined,
  ): Promise<RouteInspection> {
    return inspectProxyRoutes(await this.#routes(proxy, signal), expectation, proxy.proxyType);
  }

  /** Proxy ids of the service's own pods (its sidecars serve it, they are not its clients). */
  async #ownProxies(host: string, signal: AbortSignal | undefined): Promise<Set<string>> {
    const own = new Set<string>();
    const [name, namespace] = host.split('.');
    if (!this.#services || !this.#pods || !name || !namespace) return own;
    try {
      const service = await this.#services.get(namespace, name, { signal });
      const selector = service?.spec?.selector;
      if (!selector || Object.keys(selector).length === 0) return own;
      const labelSelector = labelSelectorText({ matchLabels: selector });
      for (const pod of await this.#pods.list(namespace, { labelSelector, signal }))
        own.add(`${pod.metadata.name}.${namespace}`);
    } catch {
      throwIfAborted(signal, 'data-plane verification');
      // Without the Service's pods every sidecar is a candidate; their outbound routes to
      // the service are checked just the same.
    }
    return own;
  }

  #shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}
