/**
 * `vs-destinations`: every destination and mirror of the VirtualService names a host and a
 * subset that exist. A host that is neither a Service nor declared by a ServiceEntry, or a
 * subset no DestinationRule for its host defines, leaves Envoy without a cluster: those
 * requests fail with 503 (NC) and mirrored copies go nowhere. istioctl analyze calls both
 * IST0101 (ReferencedResourceNotFound: "host", "host+subset in destinationrule", "mirror
 * host", "mirror+subset in destinationrule").
 *
 * The slot subsets are switchyard's to add: a slot subset missing while its slot gets no
 * traffic is a note (deploy adds it before any route uses it), an error only while the
 * routes already send to it.
 */
import { resolveHost } from '../istio/host-name.js';
import { routeContextOf } from '../istio/route-context.js';
import {
  routeDestinationsOf,
  routeOfDestination,
  type RouteDestination,
} from '../istio/route-destinations.js';
import { slotOfSubset } from '../istio/route-target.js';
import type { DestinationRule } from '../istio/types.js';
import { routeTargetOf } from '../routing/virtual-service/virtual-service-backend.js';
import { notCheckedFinding, type Finding, type FindingSeverity } from './finding.js';
import { hostCovers, isExportedTo, resolvedHosts } from './host-match.js';
import { destinationRuleRef, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';
import { serviceKeyOfHost } from './route-hosts.js';

const ID = 'vs-destinations';

/** Whether a Service or an exported ServiceEntry provides `host` to `namespace`; undefined: unknown. */
function hostExists(
  context: PreflightContext,
  host: string,
  namespace: string,
): boolean | undefined {
  const key = serviceKeyOfHost(host);
  if (key && context.routeServices.ok && context.routeServices.value.get(key)) return true;
  if (key && !context.routeServices.ok) return undefined;
  if (!context.serviceEntries.ok) return undefined;
  return context.serviceEntries.value.some((entry) => {
    const entryNamespace = entry.metadata.namespace ?? '';
    return (
      isExportedTo(entry.spec.exportTo, entryNamespace, namespace) &&
      resolvedHosts(entry.spec.hosts, entryNamespace).some((pattern) => hostCovers(pattern, host))
    );
  });
}

/** The DestinationRules for `host` visible from `namespace` (the target one always). */
function rulesFor(
  context: PreflightContext,
  host: string,
  namespace: string,
): DestinationRule[] | undefined {
  const target = context.destinationRule;
  const forHost = (rule: DestinationRule): boolean =>
    resolveHost(String(rule.spec.host ?? ''), rule.metadata.namespace ?? namespace) === host;
  if (!context.destinationRules.ok)
    return host === context.host && target && forHost(target) ? [target] : undefined;
  return context.destinationRules.value.filter(
    (rule) =>
      forHost(rule) && isExportedTo(rule.spec.exportTo, rule.metadata.namespace ?? '', namespace),
  );
}

/** The check. */
export const vsDestinationsCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "the VirtualService's destinations and mirrors name hosts and subsets that exist",
  needs: ['destinationRules', 'routeServices', 'serviceEntries'],
  routeKinds: ['VirtualService'],
  run(context) {
    const vs = context.virtualService;
    if (!vs) return [];
    const ref = virtualServiceRef(context);
    const namespace = vs.metadata.namespace ?? context.spec.namespace;
    const subsets = routeContextOf(vs, routeTargetOf(context.spec)).subsets;
    const findings: Finding[] = [];
    const unknown = new Set<string>();
    const add = (
      found: RouteDestination,
      severity: FindingSeverity,
      message: string,
      fix: string,
    ) => findings.push({ id: ID, severity, object: ref, field: found.path, message, fix });
    for (const found of routeDestinationsOf(vs.spec)) {
      const { destination } = found;
      const host = resolveHost(destination.host, namespace);
      const label = routeOfDestination(vs.spec, found);
      const what = found.how === 'mirror' ? 'mirrors to' : 'routes to';
      const exists = hostExists(context, host, namespace);
      if (exists === undefined) unknown.add(`host ${host}`);
      if (exists === false) {
        add(
          found,
          found.how === 'route' && found.carries ? 'error' : 'warning',
          `${label} ${what} host ${destination.host} (${host}), which is neither a Service nor declared by a ServiceEntry: ` +
            (found.how === 'mirror'
              ? 'the copies go nowhere'
              : 'those requests fail with 503 (NC)'),
          `fix the host (a Service's name, or name.namespace for one in another namespace), or declare it with a ServiceEntry`,
        );
        continue;
      }
      const subset = destination.subset;
      if (subset === undefined) continue;
      const rules = rulesFor(context, host, namespace);
      if (!rules) {
        unknown.add(`subset "${subset}" of ${host}`);
        continue;
      }
      if (rules.some((rule) => (rule.spec.subsets ?? []).some((s) => s.name === subset))) continue;
      const slot = host === context.host ? slotOfSubset(subsets, subset) : undefined;
      const drName = host === context.host ? destinationRuleRef(context).name : undefined;
      const defined = drName
        ? `DestinationRule ${namespace}/${drName} does not define`
        : `no DestinationRule for ${host} defines`;
      if (slot && !found.carries) {
        add(
          found,
          'info',
          `${label} ${what} subset "${subset}" (the ${slot} slot), which ${defined} yet: switchyard's deploy adds it before any route sends to it`,
          'nothing: deploy adds the slot subsets',
        );
        continue;
      }
      const failing = found.how === 'route' && found.carries;
      add(
        found,
        failing ? 'error' : 'warning',
        `${label} ${what} subset "${subset}", which ${defined}: ` +
          (found.how === 'mirror'
            ? 'the copies go nowhere'
            : found.carries
              ? 'those requests fail with 503 (NC: no cluster for the subset)'
              : 'a request it would get fails with 503 (NC)') +
          (slot ? `; deploy adds the ${slot} slot's subset, but until then requests fail` : ''),
        slot
          ? `add subset "${subset}" to DestinationRule ${namespace}/${drName ?? ''}, or run switchyard deploy (it adds the slot subsets)`
          : `define subset "${subset}" in the DestinationRule for ${host}, or name an existing subset`,
      );
    }
    if (unknown.size > 0)
      findings.push(
        notCheckedFinding(
          ID,
          ref,
          [...unknown].join(', '),
          [
            !context.routeServices.ok ? context.routeServices.error : undefined,
            !context.serviceEntries.ok ? context.serviceEntries.error : undefined,
            !context.destinationRules.ok ? context.destinationRules.error : undefined,
          ]
            .filter(Boolean)
            .join('; '),
          'grant get on services, and list on serviceentries and destinationrules, in every namespace',
        ),
      );
    return findings;
  },
};
