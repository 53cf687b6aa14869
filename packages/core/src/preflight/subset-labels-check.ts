/**
 * `subset-labels`: the pods of each slot carry the labels its DestinationRule subset selects
 * (and the Service's selector), so the slot's weight reaches them. Checked on the
 * Deployment's pod template (every future pod) and on its live pods (an older ReplicaSet
 * can still run pods with other labels). Also warns when the subset does not select by the
 * spec's `target.slotLabel`, which switchyard uses to count a slot's ready pods.
 */
import { SLOTS } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { describeLabels, matchesLabels } from '../kube/label-selector.js';
import { objectRefOf } from '../kube/object-ref.js';
import {
  deploymentRef,
  destinationRuleRef,
  listSome,
  slotPods,
  templateLabels,
} from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'subset-labels';

/** The check. */
export const subsetLabelsCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: "each slot's pods carry the labels its DestinationRule subset and the Service select",
  needs: ['pods'],
  run(context) {
    const findings: Finding[] = [];
    const subsets = context.destinationRule?.spec.subsets ?? [];
    const serviceSelector = context.service?.spec?.selector;
    for (const slot of SLOTS) {
      const slotSpec = context.spec.target.slots[slot];
      const index = subsets.findIndex((s) => s.name === slotSpec.subset);
      const subset = subsets[index];
      const deployment = context.deployments[slot];
      if (!subset || !deployment) continue;
      const wanted = subset.labels ?? {};
      const labels = templateLabels(deployment);
      const ref = deploymentRef(context, slot);
      if (!matchesLabels(labels, wanted)) {
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field: 'spec.template.metadata.labels',
          message: `the ${slot} slot's pods are labelled ${describeLabels(labels)} but DestinationRule subset "${subset.name}" selects ${describeLabels(wanted)}: the slot's traffic never reaches them (503 no healthy upstream)`,
          fix: `add ${describeLabels(wanted)} to the pod template of Deployment ${ref.name}, or change the subset's labels`,
        });
      } else if (serviceSelector && !matchesLabels(labels, serviceSelector)) {
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field: 'spec.template.metadata.labels',
          message: `the ${slot} slot's pods (${describeLabels(labels)}) do not match Service ${context.spec.service}'s selector ${describeLabels(serviceSelector)}: they are not its endpoints, so no route reaches them`,
          fix: `add ${describeLabels(serviceSelector)} to the pod template of Deployment ${ref.name}`,
        });
      } else {
        const stray = slotPods(context, slot).filter(
          (pod) => !matchesLabels(pod.metadata.labels, wanted),
        );
        if (stray.length > 0) {
          findings.push({
            id: ID,
            severity: 'error',
            object: objectRefOf(stray[0] as (typeof stray)[number], 'Pod'),
            field: 'metadata.labels',
            message: `pods of the ${slot} slot run without ${describeLabels(wanted)} (${listSome(stray.map((p) => p.metadata.name))}), though the template has it: they get none of the slot's traffic`,
            fix: `finish or restart the rollout of Deployment ${ref.name} (kubectl rollout restart)`,
          });
        }
      }
      const slotLabel = context.spec.target.slotLabel;
      if (wanted[slotLabel] !== slotSpec.labelValue) {
        findings.push({
          id: ID,
          severity: 'warning',
          object: destinationRuleRef(context),
          field: `spec.subsets[${index}].labels`,
          message: `subset "${subset.name}" selects ${describeLabels(wanted)}, but switchyard counts the ${slot} slot's ready pods by ${slotLabel}=${slotSpec.labelValue} (target.slotLabel): the two can disagree`,
          fix: `add ${slotLabel}: ${slotSpec.labelValue} to the subset's labels, or set target.slotLabel / target.slots.${slot}.labelValue to match`,
        });
      }
    }
    return findings;
  },
};
