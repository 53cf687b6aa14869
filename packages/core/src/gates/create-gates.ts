/**
 * The gates of one release, built from its resolved spec: the proxy sync gate, the
 * data-plane verifier (which picks its proxies from the gate's syncz view) and the metric
 * checks. What the engine and the CLI call; `close()` ends every port-forward they opened.
 */
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { PortForwarder } from '../kube/port-forward.js';
import type { Clock } from '../release/clock.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { EnvoyDataplaneVerifier } from './envoy-dataplane-verifier.js';
import { envoyRouteReader } from './envoy-route-reader.js';
import { IstiodPortForwardSource } from './istiod-port-forward-source.js';
import { IstiodSyncGate } from './istiod-sync-gate.js';
import { IstiodUrlSource } from './istiod-url-source.js';
import { PrometheusChecks } from './prometheus-checks.js';
import { createPrometheusClient, type PrometheusClient } from './prometheus-client.js';
import type { SynczSource } from './syncz-source.js';

/** Time allowed for one proxy's config_dump read by the sync gate's push fence. */
const ENVOY_READ_TIMEOUT_MS = 10_000;

/** What {@link createGates} needs. */
export interface GateDependencies {
  /** The resolved release spec (`sync`, `prometheus`, `checks`). */
  spec: ResolvedReleaseSpec;
  /** Lists pods: istiod replicas, scope selectors, Prometheus pods, the service's pods. */
  pods: PodLister;
  /** Reads Services: the in-cluster Prometheus, the service's selector. */
  services: ServiceReader;
  /** Opens port-forwards to istiod, Envoy admin and Prometheus. */
  portForwarder: PortForwarder;
  /** Time and sleeps; default the system clock. */
  clock?: Clock | undefined;
}

/** The gates of one release. */
export interface Gates {
  /** Waits for proxies to ack route changes (istiod `/debug/syncz`). */
  syncGate: IstiodSyncGate;
  /** Proves routes from Envoy's `config_dump`. */
  dataplane: EnvoyDataplaneVerifier;
  /** Prometheus checks; undefined when the spec has no checks. */
  metrics: PrometheusChecks | undefined;
  /** Where the sync gate reads syncz (preflight reads the same, through the same port-forwards). */
  syncz: SynczSource;
  /** The checks' Prometheus client (preflight asks it too); undefined when the spec has no checks. */
  prometheus: PrometheusClient | undefined;
  /** Closes every port-forward (istiod, Prometheus). Safe to call twice. */
  close(): Promise<void>;
}

/** Builds the gates for `deps.spec`. Opens nothing until first used. */
export function createGates(deps: GateDependencies): Gates {
  const { spec, pods, services, portForwarder, clock } = deps;
  const istiod = spec.sync.istiod;
  const source: SynczSource =
    istiod.url !== undefined
      ? new IstiodUrlSource({ url: istiod.url, token: istiod.token, namespace: istiod.namespace })
      : new IstiodPortForwardSource({
          pods,
          portForwarder,
          namespace: istiod.namespace,
          revision: istiod.revision,
        });
  const syncGate = new IstiodSyncGate({
    source,
    pods,
    routes: envoyRouteReader(portForwarder, ENVOY_READ_TIMEOUT_MS),
    sync: spec.sync,
    clock,
  });
  const dataplane = new EnvoyDataplaneVerifier({
    proxies: (scope, signal) => syncGate.proxiesInScope(scope, signal),
    portForwarder,
    services,
    pods,
  });
  let prometheus: PrometheusClient | undefined;
  let metrics: PrometheusChecks | undefined;
  if (spec.checks.items.length > 0) {
    prometheus = createPrometheusClient(
      spec.prometheus,
      { services, pods, portForwarder },
      { clock },
    );
    metrics = new PrometheusChecks({ prometheus, clock });
  }
  let closed: Promise<void> | undefined;
  return {
    syncGate,
    dataplane,
    metrics,
    syncz: source,
    prometheus,
    close: () => {
      closed ??= Promise.all([syncGate.close(), prometheus?.close()]).then(() => undefined);
      return closed;
    },
  };
}
