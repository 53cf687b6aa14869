/**
 * Which configs a proxy sees, as istiod's PushContext indexes them
 * (`pilot/pkg/model/push_context.go`): `exportTo` for VirtualServices and
 * DestinationRules, VirtualService order for a proxy namespace, the DestinationRule that
 * applies to a host, and the Gateways that select a gateway pod.
 */
import type {
  DestinationRuleSpec,
  GatewaySpec,
  IstioConfig,
  VirtualServiceSpec,
} from './istio-config.js';
import { hostIsSubsetOf, isWildcardHost, resolveHost } from './istio-host.js';

/** The namespace Istio treats as mesh-wide config root. */
export const ROOT_NAMESPACE = 'istio-system';

/**
 * True when a config in `configNamespace` with this `exportTo` is visible to proxies in
 * `proxyNamespace`. Absent or empty means `*`; `.` is the config's own namespace; `~` is
 * nobody.
 */
export function isExportedTo(
  exportTo: readonly string[] | undefined,
  configNamespace: string,
  proxyNamespace: string,
): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  for (const entry of exportTo) {
    if (entry === '*') return true;
    if (entry === '.' && configNamespace === proxyNamespace) return true;
    if (entry === proxyNamespace) return true;
  }
  return false;
}

/**
 * VirtualServices visible to `proxyNamespace`, in the order istiod hands them to the route
 * builder: private to the namespace (`exportTo: .`), then exported to it by name, then
 * public; each group oldest first (`all` must be sorted with `compareConfigs`).
 */
export function virtualServicesVisibleTo(
  all: readonly IstioConfig<VirtualServiceSpec>[],
  proxyNamespace: string,
): IstioConfig<VirtualServiceSpec>[] {
  const privateOnes: IstioConfig<VirtualServiceSpec>[] = [];
  const exported: IstioConfig<VirtualServiceSpec>[] = [];
  const publicOnes: IstioConfig<VirtualServiceSpec>[] = [];
  for (const vs of all) {
    const exportTo = vs.spec.exportTo;
    if (!exportTo || exportTo.length === 0 || exportTo.includes('*')) {
      publicOnes.push(vs);
    } else if (exportTo.includes('.') && vs.namespace === proxyNamespace) {
      privateOnes.push(vs);
    } else if (exportTo.includes(proxyNamespace)) {
      exported.push(vs);
    }
  }
  return [...privateOnes, ...exported, ...publicOnes];
}

/** Gateways whose selector matches the pod labels (an empty selector matches every pod), oldest first. */
export function gatewaysSelecting(
  gateways: readonly IstioConfig<GatewaySpec>[],
  podLabels: Readonly<Record<string, string>>,
): IstioConfig<GatewaySpec>[] {
  return gateways.filter((gateway) =>
    Object.entries(gateway.spec.selector ?? {}).every(([key, value]) => podLabels[key] === value),
  );
}

/** The subsets and policy of the DestinationRule(s) that apply to a host for a proxy. */
export interface ResolvedDestinationRule {
  /** Subsets in order; on a name clash the older rule wins. */
  subsets: {
    name: string;
    labels: Readonly<Record<string, string>>;
    loadBalancer: string | undefined;
  }[];
  /** `trafficPolicy.loadBalancer.simple` of the rule. */
  loadBalancer: string | undefined;
}

/**
 * The DestinationRule for `hostname` as seen from `proxyNamespace`: rules in the proxy's
 * namespace first, then rules in the Service's namespace exported to the proxy, then the
 * root namespace. Within the chosen namespace the most specific host wins and rules for
 * that same host are merged (oldest first). `rules` must be sorted with `compareConfigs`.
 */
export function destinationRuleFor(
  hostname: string,
  serviceNamespace: string,
  proxyNamespace: string,
  rules: readonly IstioConfig<DestinationRuleSpec>[],
): ResolvedDestinationRule | undefined {
  const lookups: [string, boolean][] = [
    [proxyNamespace, false],
    [serviceNamespace, true],
    [ROOT_NAMESPACE, true],
  ];
  for (const [namespace, requireExport] of lookups) {
    const candidates = rules.filter(
      (rule) =>
        rule.namespace === namespace &&
        (!requireExport || isExportedTo(rule.spec.exportTo, rule.namespace, proxyNamespace)) &&
        rule.spec.host !== undefined &&
        hostIsSubsetOf(hostname, resolveHost(rule.spec.host, rule.namespace)),
    );
    if (candidates.length === 0) continue;
    const hostOf = (rule: IstioConfig<DestinationRuleSpec>): string =>
      resolveHost(rule.spec.host as string, rule.namespace);
    // Exact host beats wildcards; among wildcards the longest (most specific) wins.
    const best = candidates.reduce((a, b) => {
      const ha = hostOf(a);
      const hb = hostOf(b);
      if (!isWildcardHost(ha)) return a;
      if (!isWildcardHost(hb)) return b;
      return hb.length > ha.length ? b : a;
    });
    const chosenHost = hostOf(best);
    const merged: ResolvedDestinationRule = { subsets: [], loadBalancer: undefined };
    let first = true;
    for (const rule of candidates) {
      if (hostOf(rule) !== chosenHost) continue;
      if (first) merged.loadBalancer = rule.spec.trafficPolicy?.loadBalancer?.simple;
      first = false;
      for (const subset of rule.spec.subsets ?? []) {
        if (merged.subsets.some((s) => s.name === subset.name)) continue;
        merged.subsets.push({
          name: subset.name,
          labels: subset.labels ?? {},
          loadBalancer: subset.trafficPolicy?.loadBalancer?.simple,
        });
      }
    }
    return merged;
  }
  return undefined;
}
