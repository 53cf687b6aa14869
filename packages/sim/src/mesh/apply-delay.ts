/**
 * How long a proxy takes from receiving a push to applying and acking it: a log-normal
 * distribution given by median and 99th percentile (scenario `istio.applyDelay`), with
 * per-proxy overrides (scenario `proxies[]`) that change the distribution, make a proxy
 * stuck, or make its Envoy reject route pushes.
 */
import type { Latency, ProxyOverride } from '../scenario/scenario-schema.js';
import type { ProxyType } from './mesh-types.js';

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.3263478740408408;

/** Samples a delay in milliseconds from a log-normal distribution. */
export function sampleLogNormal(latency: Latency, random: () => number): number {
  if (latency.medianMs <= 0) return 0;
  const mu = Math.log(latency.medianMs);
  if (latency.p99Ms <= latency.medianMs) return latency.medianMs;
  // ln(p99) = mu + z99 * sigma.
  const sigma = (Math.log(latency.p99Ms) - mu) / Z_99;
  // Box-Muller; 1 - random() is in (0, 1] so the logarithm stays finite.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.exp(mu + sigma * normal);
}

/** The identity an override matches against. */
export interface OverrideTarget {
  /** Pod namespace. */
  namespace: string;
  /** Workload (Deployment) name. */
  workload: string;
  /** Pod name. */
  pod: string;
  /** Sidecar or gateway. */
  proxyType: ProxyType;
}

/** What the overrides say about one proxy. */
export interface ProxyApplySettings {
  /** Never apply or ack while true. */
  stuck: boolean;
  /** Apply delay distribution; undefined means the control plane default. */
  applyDelay: Latency | undefined;
  /** Envoy's message when it rejects every route push it applies; undefined: it does not. */
  reject?: string | undefined;
  /** `max_request_headers_kb` of its HTTP connection managers; undefined: Envoy's default (60). */
  maxRequestHeadersKb?: number | undefined;
}

/** What a rejecting proxy reports when its override says `reject: true`. */
export const DEFAULT_REJECT_MESSAGE =
  'Proto constraint validation failed (simulated rejection: proxies[].reject)';

/** True when every field the match sets fits the proxy; `pod` may end in `*` (prefix). */
export function overrideMatches(match: ProxyOverride['match'], target: OverrideTarget): boolean {
  if (match.namespace !== undefined && match.namespace !== target.namespace) return false;
  if (match.workload !== undefined && match.workload !== target.workload) return false;
  if (match.proxyType !== undefined && match.proxyType !== target.proxyType) return false;
  if (match.pod !== undefined) {
    if (match.pod.endsWith('*')) {
      if (!target.pod.startsWith(match.pod.slice(0, -1))) return false;
    } else if (match.pod !== target.pod) return false;
  }
  return true;
}

/**
 * Settings for one proxy: stuck when any matching override says so (an override only
 * about delays does not unstick a proxy another one holds); the apply delay of the last
 * matching override that sets one; rejecting when any matching override says so, with the
 * message of the last one that gives one; the header limit of the last one that sets it.
 */
export function applySettingsFor(
  overrides: readonly ProxyOverride[],
  target: OverrideTarget,
): ProxyApplySettings {
  let stuck = false;
  let applyDelay: Latency | undefined;
  let reject: string | undefined;
  let maxRequestHeadersKb: number | undefined;
  for (const override of overrides) {
    if (!overrideMatches(override.match, target)) continue;
    if (override.stuck) stuck = true;
    if (override.applyDelay) applyDelay = override.applyDelay;
    if (typeof override.reject === 'string') reject = override.reject;
    else if (override.reject) reject ??= DEFAULT_REJECT_MESSAGE;
    if (override.maxRequestHeadersKb !== undefined)
      maxRequestHeadersKb = override.maxRequestHeadersKb;
  }
  return { stuck, applyDelay, reject, maxRequestHeadersKb };
}
