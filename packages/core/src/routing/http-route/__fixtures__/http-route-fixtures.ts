/**
 * HTTPRoutes for the surgery tests, as the API server returns them (CRD defaults filled in),
 * and a model of how istiod orders and evaluates an HTTPRoute's rules (pilot's
 * `sortHTTPRoutes` over one route per match, then the first match wins), to judge which
 * rule a request reaches.
 */
import type {
  HttpBackendRef,
  HttpHeaderMatch,
  HttpRoute,
  HttpRouteMatch,
  HttpRouteRule,
} from '../http-route-types.js';
import type { HttpRouteTarget } from '../managed-rules.js';

export const TARGET: HttpRouteTarget = {
  service: 'reviews',
  namespace: 'bookinfo',
  slotServices: { blue: 'reviews-blue', green: 'reviews-green' },
};

export const backend = (name: string, weight?: number, port = 9080): HttpBackendRef => ({
  group: '',
  kind: 'Service',
  name,
  port,
  ...(weight !== undefined ? { weight } : {}),
});

/** An HTTPRoute of bookinfo with `rules` and the reviews Service as parent. */
export function route(
  rules: HttpRouteRule[],
  parentRefs?: HttpRoute['spec']['parentRefs'],
): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'reviews', namespace: 'bookinfo', generation: 3, resourceVersion: '42' },
    spec: {
      parentRefs: parentRefs ?? [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }],
      rules,
    },
  };
}

/** The rule bookinfo-gateway-api ships: all traffic on blue, a timeout of the user's. */
export function primaryRule(blue = 100, green = 0): HttpRouteRule {
  return {
    name: 'primary',
    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
    backendRefs: [backend('reviews-blue', blue), backend('reviews-green', green)],
    timeouts: { request: '10s' },
  };
}

/** A request as the model sees it. */
export interface ModelRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
}

interface FlatRoute {
  rule: number;
  match: HttpRouteMatch | undefined;
}

function uriRank(match: HttpRouteMatch | undefined): number {
  const type = match?.path?.type ?? (match ? 'PathPrefix' : undefined);
  if (type === 'Exact') return 3;
  if (type === 'PathPrefix') return 2;
  if (type === 'RegularExpression') return 1;
  return -1;
}

function uriLength(match: HttpRouteMatch | undefined): number {
  return match ? (match.path?.value ?? '/').length : 0;
}

/** pilot's sortHTTPRoutes comparator: `a` before `b`. */
function before(a: FlatRoute, b: FlatRoute): boolean {
  if (!a.match) return false;
  if (!b.match) return true;
  const r1 = uriRank(a.match);
  const r2 = uriRank(b.match);
  if (r1 !== r2) return r1 > r2;
  const l1 = uriLength(a.match);
  const l2 = uriLength(b.match);
  if (l1 !== l2) return l1 > l2;
  if ((a.match.method === undefined) !== (b.match.method === undefined))
    return a.match.method !== undefined;
  const h1 = a.match.headers?.length ?? 0;
  const h2 = b.match.headers?.length ?? 0;
  if (h1 !== h2) return h1 > h2;
  return (a.match.queryParams?.length ?? 0) > (b.match.queryParams?.length ?? 0);
}

function headerMatches(header: HttpHeaderMatch, request: ModelRequest): boolean {
  const value = request.headers[header.name.toLowerCase()];
  if (value === undefined) return false;
  return (header.type ?? 'Exact') === 'Exact'
    ? value === header.value
    : new RegExp(`^(?:${header.value})$`).test(value);
}

function matches(match: HttpRouteMatch | undefined, request: ModelRequest): boolean {
  if (!match) return true;
  const path = match.path ?? { type: 'PathPrefix', value: '/' };
  const value = path.value ?? '/';
  const pathOk =
    path.type === 'Exact'
      ? request.path === value
      : value === '/' || request.path === value || request.path.startsWith(`${value}/`);
  return (
    pathOk &&
    (match.method === undefined || match.method === request.method) &&
    (match.headers ?? []).every((header) => headerMatches(header, request)) &&
    (match.queryParams ?? []).every((param) => request.query[param.name] === param.value)
  );
}

/** Index of the rule of `route` that `request` reaches as istiod orders them; -1: none. */
export function ruleReached(r: HttpRoute, request: ModelRequest): number {
  const flat: FlatRoute[] = [];
  (r.spec.rules ?? []).forEach((rule, index) => {
    const list = rule.matches && rule.matches.length > 0 ? rule.matches : [undefined];
    for (const match of list) flat.push({ rule: index, match });
  });
  // A stable insertion sort with pilot's comparator (sort.SliceStable).
  const sorted: FlatRoute[] = [];
  for (const item of flat) {
    let at = sorted.length;
    while (at > 0 && before(item, sorted[at - 1] as FlatRoute)) at -= 1;
    sorted.splice(at, 0, item);
  }
  return sorted.find((item) => matches(item.match, request))?.rule ?? -1;
}
