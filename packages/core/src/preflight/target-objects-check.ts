/**
 * `target-objects` (doctor only): the objects a release works on exist, and switchyard can
 * manage the VirtualService's routes. Deploy and release report these themselves, with
 * PreflightError and RouteRefusedError, so only `doctor` runs this check.
 */
import { describeRef, RouteRefusedError } from '../errors.js';
import { readSlotWeights } from '../istio/slot-weights.js';
import { routeTargetOf } from '../routing/virtual-service/virtual-service-backend.js';
import type { Finding } from './finding.js';
import { deploymentRef, destinationRuleRef, serviceRef, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'target-objects';

/** The check. */
export const targetObjectsCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title:
    'the Service, VirtualService, DestinationRule and slot Deployments exist; the routes are manageable',
  needs: [],
  doctorOnly: true,
  run(context) {
    const findings: Finding[] = [];
    const missing = (object: Finding['object'], message: string, fix: string): void => {
      findings.push({ id: ID, severity: 'error', object, field: '', message, fix });
    };
    if (!context.service)
      missing(serviceRef(context), 'not found', 'check the service name and namespace (-n)');
    if (!context.virtualService)
      missing(
        virtualServiceRef(context),
        'not found: switchyard works on your own VirtualService',
        'create a VirtualService routing the service to its slot subsets (see examples/bookinfo)',
      );
    if (!context.destinationRule)
      missing(
        destinationRuleRef(context),
        'not found',
        'create a DestinationRule for the service host (switchyard adds the slot subsets)',
      );
    if (!context.deployments.blue && !context.deployments.green)
      missing(
        deploymentRef(context, 'blue'),
        `not found, and neither is ${context.spec.target.slots.green.deployment}: at least the active slot's Deployment must exist`,
        'create the slot Deployments (target.slots) or point the spec at yours',
      );
    if (context.virtualService) {
      try {
        readSlotWeights(context.virtualService, routeTargetOf(context.spec));
      } catch (error) {
        if (!(error instanceof RouteRefusedError)) throw error;
        findings.push({
          id: ID,
          severity: 'error',
          object: error.object,
          field: 'spec.http',
          message: error.message
            .replace(`${describeRef(error.object)}: `, '')
            .replace(`. ${error.hint}`, ''),
          fix: error.hint,
        });
      }
    }
    return findings;
  },
};
