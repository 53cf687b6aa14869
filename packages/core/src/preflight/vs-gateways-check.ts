/**
 * `vs-gateways`: every Gateway the VirtualService names exists, serves one of its hosts and
 * configures some gateway pods. A missing Gateway leaves the routes off that entry point
 * silently (istiod's analyzer calls it IST0101), and so does one whose servers list none of
 * the VirtualService's hosts (IST0132); one whose selector matches no pod configures no Envoy
 * at all.
 */
import type { Gateway } from '../istio/types.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { gatewayRefsOf, MESH_GATEWAY } from './gateway-refs.js';
import { describeLabels, matchesLabels } from '../kube/label-selector.js';
import { virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'vs-gateways';

/** Whether `pattern` (maybe `*` or `*.suffix`) covers `host`. */
function covers(pattern: string, host: string): boolean {
  return (
    pattern === '*' ||
    pattern === host ||
    (pattern.startsWith('*') && host.endsWith(pattern.slice(1)))
  );
}

/**
 * Whether the Gateway serves one of `hosts` to a VirtualService in `vsNamespace`, as
 * istiod (and istioctl analyze's IST0132) match them: a server host `ns/host` counts only for
 * VirtualServices in `ns` (`.` the Gateway's namespace, `*` any), and wildcards match both
 * ways.
 */
function servesAnyHost(
  gateway: Gateway,
  gatewayNamespace: string,
  vsNamespace: string,
  hosts: readonly string[] | undefined,
): boolean {
  const served = (gateway.spec.servers ?? [])
    .flatMap((server) => server.hosts ?? [])
    .flatMap((written) => {
      const slash = written.indexOf('/');
      if (slash < 0) return [written];
      const scope = written.slice(0, slash);
      const namespace = scope === '.' ? gatewayNamespace : scope;
      return namespace === '*' || namespace === vsNamespace ? [written.slice(slash + 1)] : [];
    });
  return served.some((pattern) =>
    (hosts ?? []).some((host) => covers(pattern, host) || covers(host, pattern)),
  );
}

/** The check. */
export const vsGatewaysCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: 'the Gateways the VirtualService names exist and select gateway pods',
  needs: ['gateways', 'gatewayPods'],
  run(context) {
    const vs = context.virtualService;
    if (!vs) return [];
    const refs = gatewayRefsOf(vs).filter((ref) => ref.key !== MESH_GATEWAY);
    if (refs.length === 0) return [];
    const ref = virtualServiceRef(context);
    if (!context.gateways.ok)
      return [
        notCheckedFinding(
          ID,
          ref,
          'the Gateways it names',
          context.gateways.error,
          'grant get on gateways',
        ),
      ];
    const findings: Finding[] = [];
    for (const gatewayRef of refs) {
      const gateway = context.gateways.value.get(gatewayRef.key);
      const [gatewayNamespace = '', gatewayName = ''] = gatewayRef.key.split('/');
      if (!gateway) {
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field: `spec.gateways[${gatewayRef.index}]`,
          message: `names Gateway ${gatewayRef.key}, which does not exist: requests through that entry point never see these routes`,
          fix: `create Gateway ${gatewayRef.key}, or fix the name ("namespace/name" for a Gateway in another namespace)`,
        });
        continue;
      }
      if (
        (vs.spec.hosts ?? []).length > 0 &&
        !servesAnyHost(gateway, gatewayNamespace, vs.metadata.namespace ?? '', vs.spec.hosts)
      )
        findings.push({
          id: ID,
          severity: 'warning',
          object: ref,
          field: `spec.gateways[${gatewayRef.index}]`,
          message: `Gateway ${gatewayRef.key} serves none of its hosts (${(vs.spec.hosts ?? []).join(', ')}): requests through that gateway never meet these routes`,
          fix: `add a host of the VirtualService to a server of Gateway ${gatewayRef.key} (spec.servers[].hosts), or bind the VirtualService to the gateway that serves it`,
        });
      if (!context.gatewayPods.ok) continue;
      const selector = gateway.spec.selector ?? {};
      if (!context.gatewayPods.value.some((pod) => matchesLabels(pod.metadata.labels, selector))) {
        findings.push({
          id: ID,
          severity: 'warning',
          object: { kind: 'Gateway', namespace: gatewayNamespace, name: gatewayName },
          field: 'spec.selector',
          message: `selects ${describeLabels(selector)}, which no pod carries: no gateway Envoy serves it, so routes bound to it reach nobody`,
          fix: 'set the selector to the labels of your ingress gateway pods (e.g. istio: ingressgateway)',
        });
      }
    }
    if (!context.gatewayPods.ok)
      findings.push(
        notCheckedFinding(
          ID,
          ref,
          'whether the Gateways select any gateway pod',
          context.gatewayPods.error,
          'grant list on pods in every namespace',
        ),
      );
    return findings;
  },
};
