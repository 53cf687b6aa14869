/**
 * `mtls-mismatch`: what clients send (the DestinationRule's `trafficPolicy.tls`) matches what
 * the slots' sidecars accept (PeerAuthentication). A server in STRICT mode refuses the
 * plaintext a DestinationRule with `tls.mode: DISABLE` makes clients send; a server in
 * DISABLE mode cannot read the Istio mTLS that `ISTIO_MUTUAL` makes them send. Either way
 * every request fails (503, connection reset), typically only for one slot once the
 * candidate gets traffic.
 *
 * The server's mode follows Istio's precedence: a workload PeerAuthentication (selector
 * matching the pods; its `portLevelMtls` for the target port first), then the namespace-wide
 * one, then the mesh-wide one in the root namespace; `UNSET` inherits; nothing means
 * PERMISSIVE. The client's mode: the subset's traffic policy (port-level first), then the
 * rule's; nothing means auto mTLS, which adapts and never mismatches.
 */
import { describeRef } from '../errors.js';
import type { Slot } from '../istio/route-target.js';
import { SLOTS } from '../istio/route-target.js';
import type { PeerAuthentication, PeerAuthenticationMode } from '../istio/types.js';
import type { ServicePort } from '../kube/kube-types.js';
import { objectRefOf } from '../kube/object-ref.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { matchesLabels } from '../kube/label-selector.js';
import { destinationRuleRef, templateLabels } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';

const ID = 'mtls-mismatch';

type Policy = Record<string, unknown> | undefined;

function createdAt(pa: PeerAuthentication): number {
  const time = Date.parse(pa.metadata.creationTimestamp ?? '');
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

function oldest(candidates: PeerAuthentication[]): PeerAuthentication | undefined {
  return [...candidates].sort((a, b) => createdAt(a) - createdAt(b))[0];
}

function hasSelector(pa: PeerAuthentication): boolean {
  return Object.keys(pa.spec.selector?.matchLabels ?? {}).length > 0;
}

/** The effective server mode for pods with `labels` on workload port `port`, and who set it. */
export function serverMode(
  peerAuthentications: readonly PeerAuthentication[],
  namespace: string,
  rootNamespace: string,
  labels: Readonly<Record<string, string>>,
  port: number | undefined,
): {
  mode: Exclude<PeerAuthenticationMode, 'UNSET'>;
  from: PeerAuthentication | undefined;
  field: string;
} {
  const inNamespace = peerAuthentications.filter((pa) => pa.metadata.namespace === namespace);
  const workload = oldest(
    inNamespace.filter(
      (pa) => hasSelector(pa) && matchesLabels(labels, pa.spec.selector?.matchLabels),
    ),
  );
  const namespaceWide = oldest(inNamespace.filter((pa) => !hasSelector(pa)));
  const meshWide = oldest(
    peerAuthentications.filter((pa) => pa.metadata.namespace === rootNamespace && !hasSelector(pa)),
  );
  const set = (
    mode: PeerAuthenticationMode | undefined,
  ): mode is 'DISABLE' | 'PERMISSIVE' | 'STRICT' => mode !== undefined && mode !== 'UNSET';
  const portMode =
    port === undefined ? undefined : workload?.spec.portLevelMtls?.[String(port)]?.mode;
  if (workload && set(portMode))
    return { mode: portMode, from: workload, field: `spec.portLevelMtls["${port}"].mode` };
  for (const pa of [workload, namespaceWide, meshWide]) {
    const mode = pa?.spec.mtls?.mode;
    if (pa && set(mode)) return { mode, from: pa, field: 'spec.mtls.mode' };
  }
  return { mode: 'PERMISSIVE', from: undefined, field: '' };
}

function tlsModeOf(policy: Policy, port: number): { mode: string; where: string } | undefined {
  const settings = (policy?.portLevelSettings ?? []) as {
    port?: { number?: number };
    tls?: { mode?: string };
  }[];
  const index = settings.findIndex((s) => s.port?.number === port && s.tls?.mode !== undefined);
  if (index >= 0)
    return {
      mode: settings[index]?.tls?.mode as string,
      where: `portLevelSettings[${index}].tls.mode`,
    };
  const tls = policy?.tls as { mode?: string } | undefined;
  return tls?.mode !== undefined ? { mode: tls.mode, where: 'tls.mode' } : undefined;
}

/** The mode clients use for a subset and Service port, and the field that sets it. */
export function clientTlsMode(
  context: PreflightContext,
  subsetName: string,
  port: number,
): { mode: string; field: string } | undefined {
  const spec = context.destinationRule?.spec;
  if (!spec) return undefined;
  const index = (spec.subsets ?? []).findIndex((s) => s.name === subsetName);
  const subsetPolicy = spec.subsets?.[index]?.trafficPolicy;
  const fromSubset = tlsModeOf(subsetPolicy, port);
  if (fromSubset)
    return {
      mode: fromSubset.mode,
      field: `spec.subsets[${index}].trafficPolicy.${fromSubset.where}`,
    };
  const fromRule = tlsModeOf(spec.trafficPolicy, port);
  return fromRule
    ? { mode: fromRule.mode, field: `spec.trafficPolicy.${fromRule.where}` }
    : undefined;
}

/** The workload port a Service port sends to (a named targetPort looked up in the pod template). */
function workloadPort(
  context: PreflightContext,
  slot: Slot,
  port: ServicePort,
): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const containers = context.deployments[slot]?.spec.template.spec.containers ?? [];
  for (const container of containers)
    for (const containerPort of container.ports ?? [])
      if (containerPort.name === target) return containerPort.containerPort;
  return undefined;
}

/** The check. */
export const mtlsMismatchCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "DestinationRule TLS settings match the slots' PeerAuthentication mode",
  needs: ['peerAuthentications'],
  run(context) {
    const dr = context.destinationRule;
    if (!dr || !context.service) return [];
    if (!context.peerAuthentications.ok)
      return [
        notCheckedFinding(
          ID,
          destinationRuleRef(context),
          'PeerAuthentications',
          context.peerAuthentications.error,
          'grant list on peerauthentications.security.istio.io',
        ),
      ];
    const root = context.spec.sync.istiod.namespace;
    const byKey = new Map<string, { finding: Finding; slots: Slot[] }>();
    for (const slot of SLOTS) {
      const deployment = context.deployments[slot];
      const subset = context.spec.target.slots[slot].subset;
      if (!deployment) continue;
      for (const port of context.service.spec?.ports ?? []) {
        const client = clientTlsMode(context, subset, port.port);
        if (!client) continue;
        const target = workloadPort(context, slot, port);
        const server = serverMode(
          context.peerAuthentications.value,
          context.spec.namespace,
          root,
          templateLabels(deployment),
          target,
        );
        const plaintext = client.mode === 'DISABLE';
        const mismatch =
          (server.mode === 'STRICT' && client.mode !== 'ISTIO_MUTUAL') ||
          (server.mode === 'DISABLE' && client.mode === 'ISTIO_MUTUAL');
        if (!mismatch) continue;
        const serverText = server.from
          ? `${describeRef(objectRefOf(server.from, 'PeerAuthentication'))} sets ${server.mode} (${server.field})`
          : `the pods accept ${server.mode}`;
        const message =
          server.mode === 'STRICT'
            ? `clients send ${plaintext ? 'plaintext' : `their own TLS (${client.mode})`} to port ${port.port} (${client.field}: ${client.mode}) but ${serverText}: the sidecars refuse every request (503, connection reset)`
            : `clients send Istio mTLS to port ${port.port} (${client.field}: ISTIO_MUTUAL) but ${serverText}: the sidecars pass the encrypted bytes to the app, which cannot read them`;
        const key = `${client.field}|${server.from?.metadata.name ?? ''}|${server.mode}|${port.port}`;
        const known = byKey.get(key);
        if (known) {
          known.slots.push(slot);
          continue;
        }
        byKey.set(key, {
          slots: [slot],
          finding: {
            id: ID,
            severity: 'error',
            object: destinationRuleRef(context),
            field: client.field,
            message,
            fix:
              server.mode === 'STRICT'
                ? `set ${client.field} to ISTIO_MUTUAL or remove it (auto mTLS), or relax ${server.from ? `PeerAuthentication ${server.from.metadata.name}` : 'the PeerAuthentication'} to PERMISSIVE`
                : `remove ${client.field} (auto mTLS adapts), or set the PeerAuthentication to PERMISSIVE`,
          },
        });
      }
    }
    return [...byKey.values()].map(({ finding, slots }) => ({
      ...finding,
      message: `${slots.length === 2 ? 'both slots' : `the ${slots[0] as string} slot`}: ${finding.message}`,
    }));
  },
};
