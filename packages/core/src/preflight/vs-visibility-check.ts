/**
 * `vs-visibility`: the routes are visible to whoever sends the traffic. `exportTo` narrows
 * which namespaces' proxies see a VirtualService: gateway pods (usually in istio-system) and
 * callers elsewhere that do not see it route around the weights. A VirtualService without
 * `hosts` is a delegate: it applies only through a root VirtualService's `delegate`, and
 * only if it is exported to the root's namespace.
 */
import type { VirtualService } from '../istio/types.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { gatewayRefsOf, MESH_GATEWAY } from './gateway-refs.js';
import { isExportedTo } from './host-match.js';
import { matchesLabels } from '../kube/label-selector.js';
import { listSome, slotPods, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';
import { SLOTS } from '../istio/route-target.js';

const ID = 'vs-visibility';

function delegateFindings(context: PreflightContext, vs: VirtualService): Finding[] {
  const ref = virtualServiceRef(context);
  if (!context.virtualServices.ok)
    return [
      notCheckedFinding(
        ID,
        ref,
        'which VirtualService delegates to this one (it has no hosts)',
        context.virtualServices.error,
        'grant list on virtualservices in every namespace',
      ),
    ];
  const roots = context.virtualServices.value.filter((root) =>
    (root.spec.http ?? []).some(
      (route) =>
        route.delegate?.name === vs.metadata.name &&
        (route.delegate.namespace ?? root.metadata.namespace) === vs.metadata.namespace,
    ),
  );
  if (roots.length === 0) {
    return [
      {
        id: ID,
        severity: 'error',
        object: ref,
        field: 'spec.hosts',
        message:
          'has no hosts, so it is a delegate, and no VirtualService delegates to it: its routes apply to no request',
        fix: `add "${context.spec.service}" to spec.hosts, or delegate to it from the root VirtualService (http[].delegate)`,
      },
    ];
  }
  const findings: Finding[] = [];
  for (const root of roots) {
    const rootNamespace = root.metadata.namespace ?? '';
    if (!isExportedTo(vs.spec.exportTo, vs.metadata.namespace ?? '', rootNamespace)) {
      findings.push({
        id: ID,
        severity: 'error',
        object: ref,
        field: 'spec.exportTo',
        message: `is a delegate of VirtualService ${rootNamespace}/${root.metadata.name} but is not exported to ${rootNamespace}: the root cannot use its routes`,
        fix: `add "${rootNamespace}" to spec.exportTo`,
      });
    }
  }
  return findings;
}

function exportFindings(context: PreflightContext, vs: VirtualService): Finding[] {
  const exportTo = vs.spec.exportTo;
  if (!exportTo || exportTo.length === 0 || exportTo.includes('*')) return [];
  const namespace = vs.metadata.namespace ?? '';
  const ref = virtualServiceRef(context);
  const visible = (ns: string): boolean => isExportedTo(exportTo, namespace, ns);
  const findings: Finding[] = [];
  const gateways = gatewayRefsOf(vs).filter((g) => g.key !== MESH_GATEWAY);
  if (gateways.length > 0 && context.gateways.ok && context.gatewayPods.ok) {
    const hidden = new Set<string>();
    for (const gatewayRef of gateways) {
      const gateway = context.gateways.value.get(gatewayRef.key);
      if (!gateway) continue;
      for (const pod of context.gatewayPods.value)
        if (
          matchesLabels(pod.metadata.labels, gateway.spec.selector) &&
          !visible(pod.metadata.namespace ?? '')
        )
          hidden.add(pod.metadata.namespace ?? '');
    }
    if (hidden.size > 0)
      findings.push({
        id: ID,
        severity: 'error',
        object: ref,
        field: 'spec.exportTo',
        message: `exportTo ${JSON.stringify(exportTo)} hides it from the gateway pods in ${[...hidden].join(', ')}: traffic entering through its Gateways ignores these routes`,
        fix: `add ${[...hidden].map((ns) => `"${ns}"`).join(', ')} to spec.exportTo, or remove exportTo`,
      });
  }
  if (!context.proxies.ok) {
    findings.push(
      notCheckedFinding(
        ID,
        ref,
        `which callers exportTo ${JSON.stringify(exportTo)} hides it from`,
        context.proxies.error,
        'make istiod reachable (sync.istiod), or remove exportTo',
      ),
    );
    return findings;
  }
  const own = new Set(
    SLOTS.flatMap((slot) => slotPods(context, slot)).map(
      (pod) => `${pod.metadata.name}.${pod.metadata.namespace ?? ''}`,
    ),
  );
  const hiddenCallers = context.proxies.value.proxies.filter(
    (proxy) => proxy.proxyType === 'sidecar' && !own.has(proxy.proxy) && !visible(proxy.namespace),
  );
  if (hiddenCallers.length > 0) {
    const namespaces = [...new Set(hiddenCallers.map((p) => p.namespace))];
    findings.push({
      id: ID,
      severity: 'warning',
      object: ref,
      field: 'spec.exportTo',
      message: `exportTo ${JSON.stringify(exportTo)} hides it from the sidecars in ${listSome(namespaces)}: those that call ${context.spec.service} go to every pod of it, ignoring the weights and the header route`,
      fix: `add those namespaces to spec.exportTo, or remove exportTo`,
    });
  }
  return findings;
}

/** The check. */
export const vsVisibilityCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: 'neither exportTo nor delegation hides the routes from the proxies that carry the traffic',
  needs: ['virtualServices', 'gateways', 'gatewayPods', 'proxies', 'pods'],
  run(context) {
    const vs = context.virtualService;
    if (!vs) return [];
    if ((vs.spec.hosts ?? []).length === 0) return delegateFindings(context, vs);
    return exportFindings(context, vs);
  },
};
