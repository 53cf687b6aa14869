/**
 * The stable id of every preflight check. Ids appear in findings, in `--skip-check` and in the
 * spec's `preflight.skip`; never rename one. Kept apart from the checks so the spec schema can
 * list them without loading the checks.
 */

/** Every check id, in the order `switchyard doctor` runs them. */
export const PREFLIGHT_CHECK_IDS = [
  'target-objects',
  'port-protocol',
  'subset-labels',
  'subset-overlap',
  'subset-empty',
  'sticky-sessions',
  'sidecar-injection',
  'vs-hosts',
  'vs-gateways',
  'vs-destinations',
  'vs-shadowed-route',
  'vs-visibility',
  'idle-slot-traffic',
  'service-entry-collision',
  'mtls-mismatch',
  'proxy-sync',
  'prometheus-data',
  'header-size',
  'http-route-objects',
  'gateway-api-crds',
  'route-host-conflict',
  'slot-services',
  'backend-ports',
  'gateway-address',
  'route-headers',
  'route-status',
  'gitops-controller',
  'ambient-waypoint',
  'ambient-ingress',
  'ambient-virtualservice',
  'ambient-sidecar-callers',
] as const;

/** A preflight check id. */
export type PreflightCheckId = (typeof PREFLIGHT_CHECK_IDS)[number];

/** True when `id` is a preflight check id. */
export function isPreflightCheckId(id: string): id is PreflightCheckId {
  return (PREFLIGHT_CHECK_IDS as readonly string[]).includes(id);
}
