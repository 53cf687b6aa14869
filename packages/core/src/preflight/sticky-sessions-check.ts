/**
 * `sticky-sessions`: the DestinationRule asks for session affinity (`loadBalancer.
 * consistentHash` on a cookie, header, source IP or query parameter), which a release by
 * weight does not keep.
 *
 * Istio picks the slot of every request at random by weight and applies the hash only within
 * the slot it picked (it sets no `use_hash_policy` on weighted clusters: `route.go` of the
 * pinned istiod), so during a canary a client's requests reach both versions. An app that
 * relies on the affinity (sessions held in a pod's memory) loses it each time a request
 * changes slot, and that happens to most of the candidate's requests (they follow requests
 * served by the stable slot) but to few of the stable slot's: the candidate fails more for
 * reasons that are not its code. Threshold checks see a worse canary; the sequential tests,
 * which assume a request's outcome depends only on the slot that served it, can roll back a
 * healthy one (docs/sequential-verdicts.md).
 */
import { isJsonObject } from '../json-diff/json-value.js';
import type { Finding } from './finding.js';
import { destinationRuleRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'sticky-sessions';

/** The check. */
export const stickySessionsCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: 'the DestinationRule asks for no session affinity a release by weight would break',
  needs: [],
  run(context) {
    const rule = context.destinationRule;
    if (!rule) return [];
    const slotSubsets = new Set(
      (['blue', 'green'] as const).map((slot) => context.spec.target.slots[slot].subset),
    );
    const policies: { field: string; policy: unknown }[] = [
      { field: 'spec.trafficPolicy', policy: rule.spec.trafficPolicy },
      ...portLevel('spec.trafficPolicy', rule.spec.trafficPolicy),
      ...(rule.spec.subsets ?? []).flatMap((subset, index) =>
        slotSubsets.has(subset.name)
          ? [
              { field: `spec.subsets[${index}].trafficPolicy`, policy: subset.trafficPolicy },
              ...portLevel(`spec.subsets[${index}].trafficPolicy`, subset.trafficPolicy),
            ]
          : [],
      ),
    ];
    const findings: Finding[] = [];
    for (const { field, policy } of policies) {
      const hash = consistentHashOf(policy);
      if (hash === undefined) continue;
      findings.push({
        id: ID,
        severity: 'warning',
        object: destinationRuleRef(context),
        field: `${field}.loadBalancer.consistentHash`,
        message:
          `session affinity by ${describeKey(hash)}: Istio picks each request's slot by weight and hashes only within it, ` +
          "so during a release a client's requests reach both versions. An app relying on the affinity (sessions in a pod's memory) " +
          "loses it whenever a request changes slot, which happens to most of the candidate's requests: the candidate looks worse than it is, " +
          'and sequential checks, which assume an outcome depends only on the slot, can roll back a healthy canary',
        fix: 'keep sessions out of the pods (a shared store) before releasing by weight, or release blue/green (one switch); use threshold analysis while the affinity matters',
      });
    }
    return findings;
  },
};

function portLevel(field: string, policy: unknown): { field: string; policy: unknown }[] {
  if (!isJsonObject(policy) || !Array.isArray(policy.portLevelSettings)) return [];
  return (policy.portLevelSettings as unknown[]).map((setting, index) => ({
    field: `${field}.portLevelSettings[${index}]`,
    policy: setting,
  }));
}

function consistentHashOf(policy: unknown): Record<string, unknown> | undefined {
  if (!isJsonObject(policy) || !isJsonObject(policy.loadBalancer)) return undefined;
  const hash = policy.loadBalancer.consistentHash;
  return isJsonObject(hash) ? hash : undefined;
}

function describeKey(hash: Record<string, unknown>): string {
  if (isJsonObject(hash.httpCookie)) return `the cookie "${String(hash.httpCookie.name)}"`;
  if (typeof hash.httpHeaderName === 'string') return `the header "${hash.httpHeaderName}"`;
  if (hash.useSourceIp === true) return "the client's source IP";
  if (typeof hash.httpQueryParameterName === 'string')
    return `the query parameter "${hash.httpQueryParameterName}"`;
  return 'consistent hashing';
}
