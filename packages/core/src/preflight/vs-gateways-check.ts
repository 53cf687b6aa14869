/**
 * `vs-gateways`: every Gateway the VirtualService names exists and configures some gateway
 * pods. A missing Gateway leaves the routes off that entry point silently (istiod's analyzer
 * calls it IST0101); one whose selector matches no pod configures no Envoy at all.
 */
import { notCheckedFinding, type Finding } from './finding.js';
import { gatewayRefsOf, MESH_GATEWAY } from './gateway-refs.js';
import { describeLabels, matchesLabels } from '../kube/label-selector.js';
import { virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'vs-gateways';

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
