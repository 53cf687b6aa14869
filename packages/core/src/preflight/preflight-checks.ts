/** Every preflight check, in `PREFLIGHT_CHECK_IDS` order. */
import { ambientIngressCheck } from './ambient-ingress-check.js';
import { ambientSidecarCallersCheck } from './ambient-sidecar-callers-check.js';
import { ambientVirtualServiceCheck } from './ambient-virtualservice-check.js';
import { ambientWaypointCheck } from './ambient-waypoint-check.js';
import { backendPortsCheck } from './backend-ports-check.js';
import { gatewayAddressCheck } from './gateway-address-check.js';
import { gatewayApiCrdsCheck } from './gateway-api-crds-check.js';
import { gitopsControllerCheck } from './gitops-controller-check.js';
import { headerSizeCheck } from './header-size-check.js';
import { httpRouteObjectsCheck } from './http-route-objects-check.js';
import { idleSlotTrafficCheck } from './idle-slot-traffic-check.js';
import { routeHeadersCheck } from './route-headers-check.js';
import { routeHostConflictCheck } from './route-host-conflict-check.js';
import { routeStatusCheck } from './route-status-check.js';
import { slotServicesCheck } from './slot-services-check.js';
import { mtlsMismatchCheck } from './mtls-mismatch-check.js';
import { portProtocolCheck } from './port-protocol-check.js';
import type { PreflightCheck } from './preflight-check.js';
import { prometheusDataCheck } from './prometheus-data-check.js';
import { proxySyncCheck } from './proxy-sync-check.js';
import { serviceEntryCollisionCheck } from './service-entry-collision-check.js';
import { sidecarInjectionCheck } from './sidecar-injection-check.js';
import { stickySessionsCheck } from './sticky-sessions-check.js';
import { subsetEmptyCheck } from './subset-empty-check.js';
import { subsetLabelsCheck } from './subset-labels-check.js';
import { subsetOverlapCheck } from './subset-overlap-check.js';
import { targetObjectsCheck } from './target-objects-check.js';
import { vsDestinationsCheck } from './vs-destinations-check.js';
import { vsGatewaysCheck } from './vs-gateways-check.js';
import { vsHostsCheck } from './vs-hosts-check.js';
import { vsShadowedRouteCheck } from './vs-shadowed-route-check.js';
import { vsVisibilityCheck } from './vs-visibility-check.js';

/** The checks `doctor` runs; deploy and release run those not `doctorOnly`. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  targetObjectsCheck,
  portProtocolCheck,
  subsetLabelsCheck,
  subsetOverlapCheck,
  subsetEmptyCheck,
  stickySessionsCheck,
  sidecarInjectionCheck,
  vsHostsCheck,
  vsGatewaysCheck,
  vsDestinationsCheck,
  vsShadowedRouteCheck,
  vsVisibilityCheck,
  idleSlotTrafficCheck,
  serviceEntryCollisionCheck,
  mtlsMismatchCheck,
  proxySyncCheck,
  prometheusDataCheck,
  headerSizeCheck,
  httpRouteObjectsCheck,
  gatewayApiCrdsCheck,
  routeHostConflictCheck,
  slotServicesCheck,
  backendPortsCheck,
  gatewayAddressCheck,
  routeHeadersCheck,
  routeStatusCheck,
  gitopsControllerCheck,
  ambientWaypointCheck,
  ambientIngressCheck,
  ambientVirtualServiceCheck,
  ambientSidecarCallersCheck,
];
