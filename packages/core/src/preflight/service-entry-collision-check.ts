/**
 * `service-entry-collision`: no ServiceEntry claims the Service's host. A ServiceEntry adds
 * its hosts to Istio's registry for every namespace it is exported to (absent `exportTo`:
 * the whole mesh), whatever namespace it lives in, so another team's entry for
 * `reviews.bookinfo.svc.cluster.local` (or a wildcard covering it) can put its own ports,
 * resolution and endpoints behind the host the routes send to.
 */
import { objectRefOf } from '../kube/object-ref.js';
import { notCheckedFinding, type Finding } from './finding.js';
import { hostCovers, isExportedTo } from './host-match.js';
import { serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'service-entry-collision';

/** The check. */
export const serviceEntryCollisionCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "no ServiceEntry, in any namespace, claims the Service's host",
  needs: ['serviceEntries'],
  run(context) {
    if (!context.service) return [];
    if (!context.serviceEntries.ok)
      return [
        notCheckedFinding(
          ID,
          serviceRef(context),
          'ServiceEntries in other namespaces',
          context.serviceEntries.error,
          'grant list on serviceentries in every namespace',
        ),
      ];
    const namespace = context.spec.namespace;
    const findings: Finding[] = [];
    for (const entry of context.serviceEntries.value) {
      const entryNamespace = entry.metadata.namespace ?? '';
      const hosts = (entry.spec.hosts ?? []).map((host) => host.trim().toLowerCase());
      const index = hosts.findIndex((host) => hostCovers(host, context.host));
      if (index < 0) continue;
      const visible = isExportedTo(entry.spec.exportTo, entryNamespace, namespace);
      const elsewhere = entryNamespace !== namespace;
      const claim =
        hosts[index] === context.host ? context.host : `${hosts[index]} (covering ${context.host})`;
      findings.push({
        id: ID,
        severity: visible ? (elsewhere ? 'error' : 'warning') : 'info',
        object: objectRefOf(entry, 'ServiceEntry'),
        field: `spec.hosts[${index}]`,
        message: visible
          ? `claims ${claim}${elsewhere ? ` from namespace ${entryNamespace}` : ''}${entry.spec.exportTo ? '' : ', exported to the whole mesh'}: Istio merges it with the Service under one host, so its ports, resolution and endpoints can take the traffic the routes send to ${context.spec.service}`
          : `claims ${claim} but is not exported to ${namespace}; callers in namespaces it is exported to may still resolve the host to it`,
        fix: elsewhere
          ? `ask the owners of ${entryNamespace} to drop the host or narrow exportTo to their namespace ("."), or remove it`
          : 'remove the host from the ServiceEntry: the Service already registers it',
      });
    }
    return findings;
  },
};
