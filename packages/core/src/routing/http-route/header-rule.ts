/**
 * The pre-release header rule of an HTTPRoute: requests carrying the given headers go to the
 * candidate slot's Service alone; every other request is routed as before. It is a rule of
 * its own, named `switchyard-<service>-prerelease`, with one match per match of the managed
 * rules (the same path, method and query conditions, and the same header conditions plus
 * the pre-release ones), one backendRef (the candidate's Service, weight 1), and the first
 * managed rule's `timeouts`, `retry` and filters other than mirrors, so pre-release requests
 * behave like real ones.
 *
 * Why it wins: Gateway API orders matches by specificity, not by position (istiod's
 * `sortHTTPRoutes`: path match type, then path length, then method, then the number of
 * header matches, then of query matches; rule order only breaks ties). Each of its matches
 * equals a managed match except for its extra headers, so it ranks above that managed
 * match for every request carrying them, and captures nothing a managed match would not
 * get. It is appended after the user's rules, so every tie goes to a user's rule: a rule
 * that ties it has more header matches than the managed match it copies, so it outranked
 * that match before switchyard came and keeps what it had. Appending also keeps every user
 * rule's index, so istiod's generated route names (`<namespace>.<route>.<index>`) do not move.
 *
 * What specificity cannot express is refused (`precedence-conflict`): a user's rule that
 * takes requests from a managed match (outranks it, or ties it and comes first) yet ranks
 * below the header rule's copy of that match, when both could match one request (no exact
 * path, method, header or query value sets them apart). Requests carrying the pre-release
 * headers would move from that rule to the candidate.
 *
 * Header conditions: `exact` as an `Exact` match, `regex` as a `RegularExpression` (RE2),
 * `prefix` as the regular expression of its escaped value followed by `.*` (Gateway API has
 * no prefix header match). A managed rule without matches (`matches: []`; the API server
 * fills in `PathPrefix /` when the field is absent) ranks below every other rule, below
 * anything a header rule could be: refused when the route has other rules. Setting it again
 * replaces it in place; removing it restores the route exactly.
 */
import { RouteRefusedError, UsageError } from '../../errors.js';
import { objectRefOf } from '../../kube/object-ref.js';
import type { Slot } from '../../istio/route-target.js';
import type { StringMatch } from '../../istio/types.js';
import { validateHeaderConditions } from '../../istio/prerelease-route.js';
import type {
  HttpHeaderMatch,
  HttpRoute,
  HttpRouteMatch,
  HttpRouteRule,
} from './http-route-types.js';
import {
  findHeaderRule,
  findManagedRules,
  headerRuleName,
  ruleLabel,
  slotBackend,
  type HttpRouteTarget,
} from './managed-rules.js';
import { slotPort } from './rule-weights.js';

/** Gateway API's limits (the HTTPRoute CRD's validation). */
export const HTTP_ROUTE_LIMITS = Object.freeze({
  /** Rules per route. */
  rules: 16,
  /** Matches per rule. */
  matchesPerRule: 64,
  /** Matches over all rules. */
  matches: 128,
  /** Header matches per match. */
  headersPerMatch: 16,
});

/** The default match the CRD fills in for a rule without one. */
const DEFAULT_MATCH: HttpRouteMatch = { path: { type: 'PathPrefix', value: '/' } };

/** How istiod ranks a match (pilot's sortHTTPRoutes), most significant first. */
function rankKey(match: HttpRouteMatch): number[] {
  const type = match.path?.type ?? 'PathPrefix';
  const uri =
    type === 'Exact' ? 3 : type === 'PathPrefix' ? 2 : type === 'RegularExpression' ? 1 : -1;
  return [
    uri,
    (match.path?.value ?? '/').length,
    match.method !== undefined ? 1 : 0,
    match.headers?.length ?? 0,
    match.queryParams?.length ?? 0,
  ];
}

/** > 0 when istiod puts `a` before `b`, 0 on a tie (rule order decides), < 0 after. */
function compareRank(a: HttpRouteMatch, b: HttpRouteMatch): number {
  const ka = rankKey(a);
  const kb = rankKey(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] ?? 0) - (kb[i] ?? 0);
  return 0;
}

/** Whether two lists of conditions can hold for one request (exact values that differ cannot). */
function conditionsCompatible(
  a: readonly { type?: string; name: string; value: string }[],
  b: readonly { type?: string; name: string; value: string }[],
): boolean {
  return a.every((x) =>
    b.every(
      (y) =>
        x.name.toLowerCase() !== y.name.toLowerCase() ||
        (x.type ?? 'Exact') !== 'Exact' ||
        (y.type ?? 'Exact') !== 'Exact' ||
        x.value === y.value,
    ),
  );
}

/**
 * Whether one request can satisfy both matches of equal path rank and length, as far as
 * exact conditions tell (a regular expression may match anything).
 */
function mayOverlap(a: HttpRouteMatch, b: HttpRouteMatch): boolean {
  const samePath =
    (a.path?.type ?? 'PathPrefix') === 'RegularExpression' ||
    (a.path?.value ?? '/') === (b.path?.value ?? '/');
  return (
    samePath &&
    (a.method === undefined || b.method === undefined || a.method === b.method) &&
    conditionsCompatible(a.headers ?? [], b.headers ?? []) &&
    conditionsCompatible(a.queryParams ?? [], b.queryParams ?? [])
  );
}

/**
 * A user's rule that takes requests from a managed match (outranks it, or ties it and comes
 * first) but would lose them to the header rule's copy of that match: requests carrying the
 * pre-release headers would move from the user's rule to the candidate.
 */
function precedenceConflict(
  rules: readonly HttpRouteRule[],
  managed: readonly { index: number; match: HttpRouteMatch; header: HttpRouteMatch }[],
  managedIndices: ReadonlySet<number>,
  headerIndex: number,
): { index: number; managedIndex: number } | undefined {
  for (const { index: managedIndex, match, header } of managed) {
    for (const [index, rule] of rules.entries()) {
      if (managedIndices.has(index) || index === headerIndex) continue;
      for (const other of rule.matches ?? []) {
        const overManaged = compareRank(other, match);
        const takesFromManaged = overManaged > 0 || (overManaged === 0 && index < managedIndex);
        const againstHeader = compareRank(header, other);
        const losesToHeader = againstHeader > 0 || (againstHeader === 0 && headerIndex < index);
        if (takesFromManaged && losesToHeader && mayOverlap(other, header))
          return { index, managedIndex };
      }
    }
  }
  return undefined;
}

/** RE2 metacharacters escaped to match themselves. */
function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** One pre-release condition as a Gateway API header match. */
export function headerMatchOf(name: string, match: Readonly<StringMatch>): HttpHeaderMatch {
  if (match.exact !== undefined) return { type: 'Exact', name, value: match.exact };
  if (match.regex !== undefined) return { type: 'RegularExpression', name, value: match.regex };
  return { type: 'RegularExpression', name, value: `${escapeRegex(match.prefix ?? '')}.*` };
}

function matchCount(rule: HttpRouteRule): number {
  return Math.max(rule.matches?.length ?? 0, 1);
}

/**
 * `route` with switchyard's header rule sending requests that carry every header of
 * `headers` to `slot`'s Service (see the module comment). Throws `UsageError` for invalid
 * headers or a header a managed match already tests, and `RouteRefusedError` when the rules
 * cannot be managed or the rule would break the route's limits.
 */
export function setHeaderRule(
  route: HttpRoute,
  target: HttpRouteTarget,
  options: { slot: Slot; headers: Readonly<Record<string, Readonly<StringMatch>>> },
): HttpRoute {
  const issues = validateHeaderConditions(options.headers);
  if (issues.length > 0) {
    throw new UsageError(
      `invalid pre-release headers for ${target.service}: ${issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('; ')}`,
    );
  }
  const ref = objectRefOf(route);
  const result = structuredClone(route);
  const existing = findHeaderRule(result, target);
  const managed = findManagedRules(result, target);
  const added = Object.entries(options.headers).map(([name, match]) => headerMatchOf(name, match));
  const addedNames = new Set(added.map((header) => header.name.toLowerCase()));
  const matches: HttpRouteMatch[] = [];
  const pairs: { index: number; match: HttpRouteMatch; header: HttpRouteMatch }[] = [];
  const rules = result.spec.rules ?? [];
  for (const { rule, label, index } of managed) {
    const others = rules.filter((other, i) => i !== index && i !== existing?.index);
    if ((rule.matches ?? []).length === 0 && others.length > 0) {
      // istiod ranks a rule without matches below every rule with one; a header rule needs
      // a path match (PathPrefix / at least), so it would outrank the other rules too.
      throw new RouteRefusedError(
        'ambiguous-routes',
        ref,
        `${label} has no matches, so istiod ranks it below every other rule, and a pre-release header rule (whose match has a path) would take requests from ${ruleLabel(others[0] as HttpRouteRule, rules.indexOf(others[0] as HttpRouteRule))} too`,
        'Give the rule the match the API server fills in when the field is absent: matches: [{path: {type: PathPrefix, value: /}}].',
      );
    }
    const ruleMatches = rule.matches && rule.matches.length > 0 ? rule.matches : [DEFAULT_MATCH];
    for (const match of ruleMatches) {
      const own = match.headers ?? [];
      const clash = own.find((header) => addedNames.has(header.name.toLowerCase()));
      if (clash !== undefined) {
        throw new UsageError(
          `HTTPRoute ${ref.namespace ?? ''}/${ref.name}: ${label} already matches header "${clash.name}"; choose another pre-release header`,
        );
      }
      if (own.length + added.length > HTTP_ROUTE_LIMITS.headersPerMatch) {
        throw new RouteRefusedError(
          'route-limits',
          ref,
          `${label} has a match with ${own.length} header conditions; with the ${added.length} pre-release ones it would exceed the Gateway API's ${HTTP_ROUTE_LIMITS.headersPerMatch}`,
          'Use fewer pre-release headers, or fewer header conditions on the managed rule.',
        );
      }
      const header: HttpRouteMatch = {
        ...structuredClone(match),
        headers: [...structuredClone(own), ...structuredClone(added)],
      };
      matches.push(header);
      pairs.push({ index, match, header });
    }
  }
  const headerIndex = existing?.index ?? rules.length;
  const conflict = precedenceConflict(
    rules,
    pairs,
    new Set(managed.map((m) => m.index)),
    headerIndex,
  );
  if (conflict !== undefined) {
    const user = rules[conflict.index] as HttpRouteRule;
    const own = rules[conflict.managedIndex] as HttpRouteRule;
    throw new RouteRefusedError(
      'precedence-conflict',
      ref,
      `${ruleLabel(user, conflict.index)} takes requests from ${ruleLabel(own, conflict.managedIndex)} (its match ranks as high, or ties it and comes first), but a pre-release header rule would outrank it and take its requests that carry the pre-release headers`,
      `Set ${ruleLabel(user, conflict.index)} apart from the managed rule (another path or method, or an exact header value the testers do not send), or release without a pre-release header.`,
    );
  }
  const others = rules.filter((_, index) => index !== existing?.index);
  const otherMatches = others.reduce((sum, rule) => sum + matchCount(rule), 0);
  if (
    (existing === undefined && rules.length >= HTTP_ROUTE_LIMITS.rules) ||
    matches.length > HTTP_ROUTE_LIMITS.matchesPerRule ||
    otherMatches + matches.length > HTTP_ROUTE_LIMITS.matches
  ) {
    throw new RouteRefusedError(
      'route-limits',
      ref,
      `has ${rules.length} rules with ${otherMatches} matches; the pre-release header rule (${matches.length} matches) would exceed the Gateway API's limits (${HTTP_ROUTE_LIMITS.rules} rules, ${HTTP_ROUTE_LIMITS.matchesPerRule} matches per rule, ${HTTP_ROUTE_LIMITS.matches} in all)`,
      'Move other hosts or paths to a route of their own, or deploy without a pre-release header.',
    );
  }
  const first = managed[0].rule;
  const filters = (first.filters ?? []).filter((filter) => filter.type !== 'RequestMirror');
  const headerRule: HttpRouteRule = {
    name: headerRuleName(target.service),
    matches,
    ...(filters.length > 0 ? { filters: structuredClone(filters) } : {}),
    backendRefs: [
      { ...slotBackend(target, options.slot, slotPort(target, managed, options.slot)), weight: 1 },
    ],
    ...(first.timeouts !== undefined ? { timeouts: structuredClone(first.timeouts) } : {}),
    ...(first.retry !== undefined ? { retry: structuredClone(first.retry) } : {}),
  };
  if (existing !== undefined) rules[existing.index] = headerRule;
  else rules.push(headerRule);
  result.spec.rules = rules;
  return result;
}

/**
 * `route` without switchyard's header rule; a copy, unchanged, when it has none. Throws
 * `RouteRefusedError` when a rule of that name is not one switchyard wrote.
 */
export function removeHeaderRule(route: HttpRoute, target: HttpRouteTarget): HttpRoute {
  const result = structuredClone(route);
  const existing = findHeaderRule(result, target);
  if (existing !== undefined) result.spec.rules?.splice(existing.index, 1);
  return result;
}
