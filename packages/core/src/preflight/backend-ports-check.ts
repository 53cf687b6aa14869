/**
 * `backend-ports`: every backendRef of the HTTPRoute names a port its Service has. istiod
 * checks that the Service exists, not the port: a backendRef to a port the Service lacks is
 * accepted, and Envoy answers that share of the requests with 500 (no such cluster).
 */
import { SLOTS } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { httpRouteRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'backend-ports';

/** The check. */
export const backendPortsCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "every backendRef's port is a port of its Service (istiod does not check it)",
  needs: [],
  routeKinds: ['HTTPRoute'],
  run(context) {
    if (context.routeKind !== 'HTTPRoute') return [];
    const route = context.httpRoute;
    if (!route) return [];
    const slotServices = new Set(SLOTS.map((slot) => context.spec.target.slots[slot].service));
    const findings: Finding[] = [];
    (route.spec.rules ?? []).forEach((rule, r) => {
      (rule.backendRefs ?? []).forEach((backend, b) => {
        if (!context.backendServices.has(backend.name)) return; // another kind or namespace
        if ((backend.namespace ?? context.spec.namespace) !== context.spec.namespace) return;
        const service = context.backendServices.get(backend.name);
        const field = `spec.rules[${r}].backendRefs[${b}]`;
        if (!service) {
          // A missing slot Service is slot-services' finding.
          if (!slotServices.has(backend.name))
            findings.push({
              id: ID,
              severity: 'error',
              object: httpRouteRef(context),
              field,
              message: `names the Service ${backend.name}, which does not exist: istiod reports ResolvedRefs BackendNotFound and answers its share with 500`,
              fix: `create the Service ${backend.name} or remove the backendRef`,
            });
          return;
        }
        const ports = (service.spec?.ports ?? []).map((p) => p.port);
        if (backend.port !== undefined && !ports.includes(backend.port))
          findings.push({
            id: ID,
            severity: 'error',
            object: httpRouteRef(context),
            field: `${field}.port`,
            message: `sends to port ${backend.port} of Service ${backend.name}, which has ${ports.length > 0 ? `port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}` : 'no ports'}: istiod accepts it, and Envoy answers that share with 500 (no such cluster)`,
            fix: `use a port of Service ${backend.name}${ports[0] !== undefined ? ` (${ports[0]})` : ''}`,
          });
      });
    });
    return findings;
  },
};
