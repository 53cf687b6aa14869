/**
 * `target-objects` (doctor only): the objects a release works on exist, the DestinationRule
 * is for the Service's host, and switchyard can manage the VirtualService's routes. Deploy and release report these themselves, with
 * PreflightError and RouteRefusedError, so only `doctor` runs this check.
 */
import { describeRef, RouteRefusedError } from '../errors.js';
import { resolveHost } from '../istio/host-name.js';
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
    const rule = context.destinationRule;
    if (rule) {
      const host = resolveHost(String(rule.spec.host ?? ''), rule.metadata.namespace ?? '');
      if (host !== context.host)
        findings.push({
          id: ID,
          severity: 'error',
          object: destinationRuleRef(context),
          field: 'spec.host',
          message: `is for host ${host}, not ${context.host}: its subsets apply to no request for the Service, and deploy refuses to add the slot subsets to it`,
          fix: `set spec.host to "${context.spec.service}", or point target.destinationRule at the DestinationRule for ${context.spec.service}`,
        });
    }
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
