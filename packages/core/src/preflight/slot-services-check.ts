/**
 * `slot-services`: through an HTTPRoute each slot is a Service, which must select that
 * slot's pods and only them. A slot Service that selects none of them sends its share of
 * the traffic nowhere (503s); one that also selects the other slot's pods splits the
 * "candidate" share between both versions, so the weights and the checks mean nothing.
 * Judged from each slot Deployment's pod template labels.
 */
import { SLOTS, type Slot } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { matchesLabels } from '../kube/label-selector.js';
import { slotServiceRef, templateLabels } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'slot-services';

function describeSelector(selector: Record<string, string>): string {
  const pairs = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '{} (every pod)';
}

/** The check. */
export const slotServicesCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "each slot Service exists and selects its slot's pods, and only them",
  needs: [],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const findings: Finding[] = [];
    const { slotLabel, slots } = context.spec.target;
    for (const slot of SLOTS) {
      const other: Slot = slot === 'blue' ? 'green' : 'blue';
      const name = slots[slot].service;
      const service = context.backendServices.get(name);
      const object = slotServiceRef(context, slot);
      if (!service) {
        findings.push({
          id: ID,
          severity: 'error',
          object,
          field: '',
          message: `not found: the ${slot} slot's share of the traffic has no backend (istiod answers it with 500)`,
          fix: `create a Service ${name} selecting ${slotLabel}=${slots[slot].labelValue} and the service's labels (or set target.slots.${slot}.service)`,
        });
        continue;
      }
      const selector = service.spec?.selector ?? {};
      const own = context.deployments[slot];
      const selectsOwn = own
        ? matchesLabels(templateLabels(own), selector)
        : selector[slotLabel] === slots[slot].labelValue;
      if (!selectsOwn)
        findings.push({
          id: ID,
          severity: 'error',
          object,
          field: 'spec.selector',
          message: `selects ${describeSelector(selector)}, which matches none of the ${slot} slot's pods (${own ? `labels of Deployment ${own.metadata.name}` : `${slotLabel}=${slots[slot].labelValue}`}): its share of the traffic would fail`,
          fix: `select the ${slot} slot's pods: ${slotLabel}=${slots[slot].labelValue} with the service's labels`,
        });
      const theirs = context.deployments[other];
      const otherLabels = theirs
        ? templateLabels(theirs)
        : { ...selector, [slotLabel]: slots[other].labelValue };
      if (matchesLabels(otherLabels, selector))
        findings.push({
          id: ID,
          severity: 'error',
          object,
          field: 'spec.selector',
          message: `selects ${describeSelector(selector)}, which also matches the ${other} slot's pods: the ${slot} slot's share would be split between both versions`,
          fix: `add ${slotLabel}: ${slots[slot].labelValue} to the selector`,
        });
    }
    return findings;
  },
};
