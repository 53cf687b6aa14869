/**
 * `sidecar-injection`: the service's pods run Istio's sidecar. Without it their traffic is
 * invisible to the mesh: no routes, no mTLS, no `istio_requests_total`, so weights and checks
 * mean nothing. Injection happens at pod creation when the namespace has
 * `istio-injection=enabled` or `istio.io/rev=<rev>` (or the pod opts in), unless the pod says
 * `sidecar.istio.io/inject: "false"` (docs/reference/istio.md §6); the live pods must show
 * the `istio-proxy` container (a native sidecar is an init container of that name).
 *
 * An injected pod's traffic goes through the sidecar only when its application does not run
 * as UID 1337, the sidecar's own: the iptables rules Istio installs let that UID's outbound
 * traffic past the sidecar (so the proxy's own traffic does not loop), and an application
 * running as it leaves the mesh on the way out (no routes, no mTLS). `istioctl analyze`
 * reports it as IST0144.
 *
 * Pods enrolled in ambient are meshed without a sidecar: the check leaves them to
 * `ambient-waypoint`.
 */
import { SLOTS } from '../istio/route-target.js';
import type { Deployment } from '../kube/kube-types.js';
import { objectRefOf } from '../kube/object-ref.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { deploymentRef, hasIstioProxy, listSome, slotPods, templateLabels } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'sidecar-injection';
const INJECT = 'sidecar.istio.io/inject';
/** The sidecar's UID (istio-proxy runs as it; iptables lets its traffic out uncaptured). */
const PROXY_UID = 1337;

function runAsUser(securityContext: unknown): unknown {
  return typeof securityContext === 'object' && securityContext !== null
    ? (securityContext as { runAsUser?: unknown }).runAsUser
    : undefined;
}

/** Where the pod template runs an application as the sidecar's UID, as field paths. */
function proxyUidFields(deployment: Deployment): string[] {
  const spec = deployment.spec.template.spec;
  const fields: string[] = [];
  if (runAsUser(spec.securityContext) === PROXY_UID)
    fields.push('spec.template.spec.securityContext.runAsUser');
  spec.containers.forEach((container, index) => {
    if (container.name !== 'istio-proxy' && runAsUser(container.securityContext) === PROXY_UID)
      fields.push(`spec.template.spec.containers[${index}].securityContext.runAsUser`);
  });
  return fields;
}

/** `true`, `false` or undefined: the pod template's own say (label first, then annotation). */
function podInjection(deployment: Deployment): string | undefined {
  const metadata = deployment.spec.template.metadata;
  return metadata?.labels?.[INJECT] ?? metadata?.annotations?.[INJECT];
}

/** The check. */
export const sidecarInjectionCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title:
    "the namespace and the slots' pods get Istio's sidecar, the live pods run it, and no application runs as its UID",
  needs: ['namespace', 'pods', 'dataplane'],
  run(context) {
    // Ambient pods run no sidecar by design: ztunnel and the waypoint mesh them
    // (`ambient-waypoint` reports what would stop that).
    if (context.dataplane.ok && context.dataplane.value.kind !== 'sidecar') return [];
    const findings: Finding[] = [];
    const namespaceRef = { kind: 'Namespace', name: context.spec.namespace };
    const namespace = context.namespace.ok ? context.namespace.value : undefined;
    const labels = namespace?.metadata.labels ?? {};
    const injection = labels['istio-injection'];
    const disabled = injection !== undefined && injection !== 'enabled';
    const enabled = !disabled && (injection === 'enabled' || labels['istio.io/rev'] !== undefined);
    if (!context.namespace.ok) {
      findings.push(
        notCheckedFinding(
          ID,
          namespaceRef,
          'the namespace injection labels',
          context.namespace.error,
          'grant get on namespaces, or check istio-injection on the namespace yourself',
        ),
      );
    } else if (namespace && disabled) {
      findings.push({
        id: ID,
        severity: 'error',
        object: namespaceRef,
        field: 'metadata.labels.istio-injection',
        message: `istio-injection is "${injection}": no pod created here gets a sidecar, whatever its own labels say`,
        fix: `kubectl label namespace ${context.spec.namespace} istio-injection=enabled --overwrite, then restart the pods`,
      });
    }
    for (const slot of SLOTS) {
      const deployment = context.deployments[slot];
      if (!deployment) continue;
      const ref = deploymentRef(context, slot);
      const own = podInjection(deployment);
      const optsIn = own === 'true' || templateLabels(deployment)['istio.io/rev'] !== undefined;
      if (own === 'false') {
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field: `spec.template.metadata.labels["${INJECT}"]`,
          message: `the ${slot} slot's pod template says ${INJECT}: "false": its pods run without a sidecar, outside the mesh`,
          fix: `remove ${INJECT} from the pod template (or set it to "true")`,
        });
      } else if (namespace && !disabled && !enabled && !optsIn) {
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field: 'spec.template.metadata.labels',
          message: `namespace ${context.spec.namespace} has neither istio-injection=enabled nor istio.io/rev, and the ${slot} slot's pods do not opt in: new pods start without a sidecar`,
          fix: `kubectl label namespace ${context.spec.namespace} istio-injection=enabled, or add ${INJECT}: "true" to the pod template`,
        });
      }
      for (const field of proxyUidFields(deployment))
        findings.push({
          id: ID,
          severity: 'error',
          object: ref,
          field,
          message: `the ${slot} slot's pods run as UID ${PROXY_UID}, the sidecar's own: Istio's iptables rules let that UID's outbound traffic past the sidecar, so their requests leave the mesh (no routes, no mTLS; istioctl analyze IST0144)`,
          fix: `run the application as another user (${field} other than ${PROXY_UID})`,
        });
      const without = slotPods(context, slot).filter((pod) => !hasIstioProxy(pod));
      if (without.length > 0) {
        findings.push({
          id: ID,
          severity: 'error',
          object: objectRefOf(without[0] as (typeof without)[number], 'Pod'),
          field: 'spec.containers',
          message: `${without.length} pod(s) of the ${slot} slot run without the istio-proxy container (${listSome(without.map((p) => p.metadata.name))}): their traffic bypasses the mesh and its metrics`,
          fix: `enable injection, then kubectl rollout restart deployment ${ref.name} -n ${context.spec.namespace}`,
        });
      }
    }
    return findings;
  },
};
