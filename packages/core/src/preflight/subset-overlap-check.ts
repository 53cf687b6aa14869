/**
 * `subset-overlap`: no two subsets of the DestinationRule select the same pods when one of
 * them is a slot's. If the blue subset's labels also match green's pods, "100% to blue"
 * still sends traffic to green, and a rollback does not take the candidate out.
 */
import type { Pod } from '../kube/kube-types.js';
import { SLOTS } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { describeLabels, matchesLabels } from '../kube/label-selector.js';
import { destinationRuleRef, listSome, templateLabels } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'subset-overlap';

/** The check. */
export const subsetOverlapCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: 'no two DestinationRule subsets select the same pods (a slot subset with any other)',
  needs: ['pods'],
  run(context) {
    const subsets = context.destinationRule?.spec.subsets ?? [];
    const slotSubsets = new Set(SLOTS.map((slot) => context.spec.target.slots[slot].subset));
    const serviceSelector = context.service?.spec?.selector;
    // What a subset can select: the live pods of the Service, and the pods each slot
    // Deployment will create (its template), which may have none running yet.
    const candidates: { name: string; labels: Record<string, string> }[] = [];
    for (const slot of SLOTS) {
      const deployment = context.deployments[slot];
      if (deployment)
        candidates.push({
          name: `Deployment ${deployment.metadata.name}'s pods`,
          labels: templateLabels(deployment),
        });
    }
    const pods: readonly Pod[] = context.pods.ok ? context.pods.value : [];
    for (const pod of pods)
      if (matchesLabels(pod.metadata.labels, serviceSelector))
        candidates.push({ name: pod.metadata.name, labels: pod.metadata.labels ?? {} });
    const findings: Finding[] = [];
    for (let i = 0; i < subsets.length; i++) {
      for (let j = i + 1; j < subsets.length; j++) {
        const a = subsets[i] as (typeof subsets)[number];
        const b = subsets[j] as (typeof subsets)[number];
        if (!slotSubsets.has(a.name) && !slotSubsets.has(b.name)) continue;
        const both = candidates.filter(
          (c) => matchesLabels(c.labels, a.labels) && matchesLabels(c.labels, b.labels),
        );
        if (both.length === 0) continue;
        findings.push({
          id: ID,
          severity: 'error',
          object: destinationRuleRef(context),
          field: `spec.subsets[${i}].labels`,
          message: `subsets "${a.name}" (${describeLabels(a.labels)}) and "${b.name}" (${describeLabels(b.labels)}) both select ${listSome(both.map((c) => c.name))}: traffic for one reaches the other's pods, so weights and rollbacks do not separate them`,
          fix: `give each subset a label only its own pods carry (e.g. ${context.spec.target.slotLabel}: <slot>)`,
        });
      }
    }
    return findings;
  },
};
