/**
 * The control API both tiers serve with the same paths and bodies: the simulator's
 * (packages/sim/README.md "Control API") and the proxy fleet's behind the real test bed
 * (testbed/README.md). Bodies are the simulator's scenario shapes, defaults optional.
 */
import type { ScenarioInput } from '@switchyard/sim';

/** How an image's pods answer (`PUT /images/<image>`): error rate, latency, gRPC failures. */
export type ImageBehaviour = NonNullable<ScenarioInput['images']>[string];
/** Overrides for matching proxies (`PUT /proxies/overrides`): stuck, rejecting, slow. */
export type ProxyOverride = NonNullable<ScenarioInput['proxies']>[number];
/** A synthetic client (`PUT /clients`): rps, target, headers, protocol. */
export type TrafficClient = NonNullable<ScenarioInput['clients']>[number];
/** A latency distribution (median and p99, milliseconds). */
export type Latency = NonNullable<ProxyOverride['applyDelay']>;
/** An injected API server failure (`PUT /api-faults`, the simulator only). */
export type ApiFault = NonNullable<NonNullable<ScenarioInput['api']>['faults']>[number];

/** One control API request; rejects with the answer's text on a non-2xx status. */
export async function controlRequest(
  baseUrl: string,
  method: 'PUT' | 'GET',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
