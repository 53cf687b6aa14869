/**
 * `vs-hosts`: the VirtualService applies to requests for the Service. Sidecars pick a
 * VirtualService by the request's host, so one whose `hosts` do not resolve to the Service
 * routes none of the mesh traffic, and its weights move nothing. Hosts resolve as istiod
 * resolves them: `reviews` in the VirtualService's own namespace, while `reviews.bookinfo`
 * (which cluster DNS would resolve) is another, fully qualified host. And no other
 * VirtualService claims the same host for the mesh: sidecars use one per host, the oldest,
 * and ignore the others.
 */
import { describeRef } from '../errors.js';
import { dnsOnlyServiceSpelling } from '../istio/host-name.js';
import type { VirtualService } from '../istio/types.js';
import { objectRefOf } from '../kube/object-ref.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { appliesToMesh } from './gateway-refs.js';
import { hostCovers, isExportedTo, resolvedHosts } from './host-match.js';
import { virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';

const ID = 'vs-hosts';

function createdAt(vs: VirtualService): number {
  const time = Date.parse(vs.metadata.creationTimestamp ?? '');
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/** Whether `a` comes before `b` in istiod's order (oldest first, then namespace/name). */
function older(a: VirtualService, b: VirtualService): boolean {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta < tb;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb;
}

/** The finding for hosts that leave out the Service's, naming a DNS-only spelling of it. */
function missingServiceHost(context: PreflightContext, hosts: readonly string[]): Finding {
  const service = context.spec.service;
  const dnsOnly = hosts.filter((host) => dnsOnlyServiceSpelling(host) === context.host);
  const why =
    dnsOnly.length > 0
      ? ` (${dnsOnly.join(', ')} resolves in cluster DNS, but istiod reads a host with a dot as fully qualified; only a name without a dot resolves in the VirtualService's namespace)`
      : '';
  return {
    id: ID,
    severity: 'error',
    object: virtualServiceRef(context),
    field: 'spec.hosts',
    message: `hosts ${hosts.join(', ')} do not include ${context.host}: sidecars route requests for the Service without this VirtualService, so its weights and header route apply to none of them${why}`,
    fix:
      dnsOnly.length > 0
        ? `write "${service}" or "${context.host}" in spec.hosts instead of ${dnsOnly.map((host) => `"${host}"`).join(', ')}`
        : `add "${service}" to spec.hosts`,
  };
}

/** The check. */
export const vsHostsCheck: PreflightCheck = {
  id: ID,
  routeKinds: ['VirtualService'],
  severity: 'error',
  title: "the VirtualService's hosts resolve to the Service, and no other one claims its host",
  needs: ['virtualServices'],
  run(context) {
    const vs = context.virtualService;
    if (!vs || !context.service) return [];
    const findings: Finding[] = [];
    const ref = virtualServiceRef(context);
    const namespace = context.spec.namespace;
    const hosts = resolvedHosts(vs.spec.hosts, namespace);
    const mesh = appliesToMesh(vs);
    // A VirtualService without hosts is a delegate: its root decides (vs-visibility).
    if (mesh && hosts.length > 0 && !hosts.some((host) => hostCovers(host, context.host))) {
      findings.push(missingServiceHost(context, hosts));
    }
    if (!mesh) return findings;
    if (!context.virtualServices.ok) {
      findings.push(
        notCheckedFinding(
          ID,
          ref,
          'other VirtualServices for the same host',
          context.virtualServices.error,
          'grant list on virtualservices in every namespace',
        ),
      );
      return findings;
    }
    for (const other of context.virtualServices.value) {
      if (
        other.metadata.name === vs.metadata.name &&
        other.metadata.namespace === vs.metadata.namespace
      )
        continue;
      const otherNamespace = other.metadata.namespace ?? '';
      if (!appliesToMesh(other)) continue;
      if (!isExportedTo(other.spec.exportTo, otherNamespace, namespace)) continue;
      const claims = resolvedHosts(other.spec.hosts, otherNamespace).includes(context.host);
      if (!claims) continue;
      const wins = older(other, vs);
      findings.push({
        id: ID,
        severity: wins ? 'error' : 'warning',
        object: objectRefOf(other, 'VirtualService'),
        field: 'spec.hosts',
        message: wins
          ? `also claims ${context.host} for the mesh and is older than ${vs.metadata.name}: sidecars use its routes and ignore the ones switchyard manages`
          : `also claims ${context.host} for the mesh; sidecars ignore it while ${vs.metadata.name} (older) exists, but it takes over if that one is recreated`,
        fix: `merge its routes into ${describeRef(ref)} and delete it`,
      });
    }
    return findings;
  },
};
