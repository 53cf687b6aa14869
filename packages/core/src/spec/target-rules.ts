/**
 * Cross-field rules of the target (slots, routes) and the deploy section (the pre-release
 * header route).
 */
import { dnsOnlyServiceSpelling } from '../istio/host-name.js';
import { isValidName, SERVICE_NAME } from './kubernetes-names.js';
import {
  fieldsOf,
  isFields,
  listOf,
  onlyOne,
  present,
  type Fields,
  type IssueList,
} from './unvalidated-spec.js';

/** The two slots may not share a Deployment, a subset or a label value. */
export function checkSlots(spec: Fields, out: IssueList): void {
  const service = isValidName(spec.service, SERVICE_NAME) ? spec.service : undefined;
  const slots = fieldsOf(fieldsOf(spec.target).slots);
  const blue = fieldsOf(slots.blue);
  const green = fieldsOf(slots.green);
  const effective = (slot: Fields, slotName: string, key: string): unknown => {
    if (present(slot, key)) return slot[key];
    if (key === 'deployment') return service === undefined ? undefined : `${service}-${slotName}`;
    if (key === 'subset') return slotName;
    return present(slot, 'subset') ? slot.subset : slotName;
  };
  const why: Record<string, string> = {
    deployment: 'the two slots need their own Deployments',
    subset: 'the two slots need their own DestinationRule subsets',
    labelValue: 'otherwise both subsets select the same pods',
  };
  for (const key of ['deployment', 'subset', 'labelValue']) {
    const b = effective(blue, 'blue', key);
    const g = effective(green, 'green', key);
    // Only a name someone wrote can collide; the defaults differ or derive from one that did.
    if (typeof b !== 'string' || b !== g || (!present(blue, key) && !present(green, key))) continue;
    const [slot, other] = present(green, key) ? ['green', 'blue'] : ['blue', 'green'];
    out.add(
      ['target', 'slots', slot, key],
      `must differ from target.slots.${other}.${key} (both are "${b}"): ${why[key]}`,
    );
  }
}

/** `target.routes` lists each route once. */
export function checkRoutes(spec: Fields, out: IssueList): void {
  const seen = new Set<unknown>();
  listOf(fieldsOf(spec.target).routes).forEach((route, index) => {
    if (typeof route === 'string' && seen.has(route)) {
      out.add(['target', 'routes', index], `"${route}" is listed twice`);
    }
    seen.add(route);
  });
}

/**
 * `target.host` is not a DNS-only spelling of the service (`reviews.bookinfo`,
 * `reviews.bookinfo.svc`): istiod reads a host with a dot as fully qualified, so routes to
 * it reach no Service (istio/host-name.ts).
 */
export function checkTargetHost(spec: Fields, out: IssueList): void {
  const host = fieldsOf(spec.target).host;
  if (typeof host !== 'string' || typeof spec.service !== 'string') return;
  const fqdn = dnsOnlyServiceSpelling(host);
  if (fqdn === undefined || !host.startsWith(`${spec.service}.`)) return;
  out.add(
    ['target', 'host'],
    `"${host}" names no Service for istiod, which reads a host with a dot as fully qualified (cluster DNS resolves it, Istio does not): write "${spec.service}" or "${fqdn}"`,
  );
}

// --- deploy -------------------------------------------------------------------------

/** Constructs Envoy's RE2 rejects although JavaScript accepts them. */
const RE2_UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k</;

/** Each pre-release header has exactly one match kind, a regex Envoy accepts, and a name of its own. */
export function checkPreRelease(spec: Fields, out: IssueList): void {
  const headers = listOf(fieldsOf(fieldsOf(spec.deploy).preRelease).headers);
  const seen = new Map<string, number>();
  headers.forEach((item, index) => {
    if (!isFields(item)) return;
    const path = ['deploy', 'preRelease', 'headers', index];
    const kinds = onlyOne(out, path, item, ['exact', 'prefix', 'regex']);
    if (kinds.length === 0) out.add(path, 'needs one of exact, prefix or regex');
    if (typeof item.regex === 'string') {
      try {
        new RegExp(item.regex);
        if (RE2_UNSUPPORTED.test(item.regex)) {
          out.add(
            [...path, 'regex'],
            'uses lookaround or backreferences, which Envoy’s RE2 regular expressions do not support',
          );
        }
      } catch (error) {
        out.add([...path, 'regex'], `does not compile: ${(error as Error).message}`);
      }
    }
    if (typeof item.name === 'string') {
      const first = seen.get(item.name);
      if (first !== undefined) {
        out.add(
          [...path, 'name'],
          `"${item.name}" already has a condition (deploy.preRelease.headers[${first}]); conditions are AND-ed, so keep one`,
        );
      } else {
        seen.set(item.name, index);
      }
    }
  });
}
