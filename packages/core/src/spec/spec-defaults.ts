/**
 * Defaults of the release spec, in the units the spec is written in. Names that derive
 * from the service (`<service>-blue`, ...) are computed in `resolve-release-spec.ts`.
 */
import type { ResumePolicy } from './release-spec.js';

/** Every default that does not depend on the service name. */
export const SPEC_DEFAULTS = Object.freeze({
  /** Pod label telling the slots apart. */
  slotLabel: 'version',
  /** Candidate rollout deadline. */
  rolloutTimeout: '5m',
  /** Bake after each preset weight or mirror step. */
  bake: '1m',
  /** bluegreen mirror percent (0: no mirror phase). */
  mirror: 0,
  /** Keep the old slot warm after the release. */
  scaleDownOld: false,
  /** Time between check evaluations. */
  checkInterval: '10s',
  /** Check query window. */
  checkWindow: '1m',
  /** Prometheus scrape interval (Istio's Prometheus addon scrapes every 15s). */
  scrapeInterval: '15s',
  /** Consecutive failed evaluations that roll back. */
  failureLimit: 2,
  /** Consecutive inconclusive evaluations that roll back. */
  inconclusiveLimit: 3,
  /** Minimum candidate requests in the window for a conclusive evaluation. */
  minRequests: 20,
  /** Sync gate timeout. */
  syncTimeout: '2m',
  /** Sync status poll interval. */
  syncPollInterval: '500ms',
  /** Share of proxies that must be synced. */
  requiredRatio: 1,
  /** istiod namespace. */
  istiodNamespace: 'istio-system',
  /** Proxies whose config_dump is verified after each sync. */
  verifyDataplane: 0,
  /** Prometheus Service reached by port-forward when no url or service is given. */
  prometheusService: 'istio-system/prometheus:9090',
  /** Prometheus query timeout. */
  prometheusTimeout: '10s',
  /** Remove the header route on rollback. */
  removeHeaderRoute: true,
  /** Resume policy. */
  onResume: 'continue' satisfies ResumePolicy,
  /** Lease duration. */
  leaseDuration: '30s',
});
