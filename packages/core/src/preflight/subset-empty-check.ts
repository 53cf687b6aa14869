/**
 * `subset-empty`: every subset the routes send traffic to selects at least one ready pod of
 * the Service. A subset with weight and no ready pod answers 503 (no healthy upstream). The
 * idle slot without pods is normal (deploy starts them): reported as info.
 */
import type { Pod } from '../kube/kube-types.js';
import { SLOTS } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { describeLabels, matchesLabels } from '../kube/label-selector.js';
import { isPodTerminating } from '../kube/pod-readiness.js';
import { destinationRuleRef, readyPods } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import { liveWeightsOf } from './route-facts.js';

const ID = 'subset-empty';

/** The check. */
export const subsetEmptyCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: 'every slot subset with traffic selects at least one ready pod',
  needs: ['pods'],
  run(context) {
    if (!context.pods.ok || !context.destinationRule) return [];
    const subsets = context.destinationRule.spec.subsets ?? [];
    const serviceSelector = context.service?.spec?.selector;
    const servicePods: Pod[] = context.pods.value.filter(
      (pod) => !isPodTerminating(pod) && matchesLabels(pod.metadata.labels, serviceSelector),
    );
    const weights = liveWeightsOf(context);
    const findings: Finding[] = [];
    for (const slot of SLOTS) {
      const name = context.spec.target.slots[slot].subset;
      const index = subsets.findIndex((s) => s.name === name);
      const subset = subsets[index];
      if (!subset) continue;
      const selected = servicePods.filter((pod) =>
        matchesLabels(pod.metadata.labels, subset.labels),
      );
      if (readyPods(selected).length > 0) continue;
      const weight = weights?.[slot];
      const carries = weight === undefined || weight > 0;
      findings.push({
        id: ID,
        severity: carries ? 'error' : 'info',
        object: destinationRuleRef(context),
        field: `spec.subsets[${index}]`,
        message:
          `subset "${name}" (${describeLabels(subset.labels)}) selects ${selected.length === 0 ? 'no pod' : `${selected.length} pod(s), none ready`}` +
          (carries
            ? `${weight === undefined ? '' : ` but carries ${weight}% of the traffic`}: those requests fail with 503 (no healthy upstream)`
            : ` (the idle ${slot} slot, 0% of the traffic): deploy starts its pods`),
        fix: carries
          ? `scale up Deployment ${context.spec.target.slots[slot].deployment} or route its weight to a slot with ready pods`
          : 'nothing to do before a deploy',
      });
    }
    return findings;
  },
};
