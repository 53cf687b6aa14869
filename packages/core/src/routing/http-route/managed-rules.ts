/**
 * Which rules of a user's HTTPRoute switchyard manages for a service, and which backendRefs
 * of them are the slots. An HTTPRoute has no subsets: each slot is a Service of its own
 * (`reviews-blue`, `reviews-green`) selecting that slot's pods, and a managed rule splits
 * traffic by the `weight` of its backendRefs to them.
 *
 * With `ruleNames` (the spec's `target.routes`): exactly the rules of those names. Without:
 * the rules with a backendRef to a slot Service (switchyard's own header rule aside). One is
 * managed as is, whatever its matches; among several, the one without conditions (no
 * `matches`, or only the default `PathPrefix /`) is managed and rules with conditions are
 * the user's own; several without, or none among several, are ambiguous: refused.
 *
 * A managed rule must send only to the slot Services, each at most once, in the route's
 * namespace: a backendRef to anything else (another Service, another namespace, another
 * kind) makes the rule ambiguous about which backends are the slots, and changing its
 * weights would move traffic the user routed deliberately. Refused, like a weight that is
 * not a non-negative integer.
 */
import { RouteRefusedError, type ObjectRef } from '../../errors.js';
import { objectRefOf } from '../../kube/object-ref.js';
import { SLOTS, type Slot } from '../../istio/route-target.js';
import type {
  BackendObjectReference,
  HttpRoute,
  HttpRouteMatch,
  HttpRouteRule,
} from './http-route-types.js';

/** The service whose HTTPRoute rules switchyard manages, and how to recognise them. */
export interface HttpRouteTarget {
  /** Service name; also names the pre-release header rule. */
  readonly service: string;
  /** Namespace of the route and the slot Services. */
  readonly namespace: string;
  /** Each slot's Service. */
  readonly slotServices: Readonly<Record<Slot, string>>;
  /** Names of the rules to manage; undefined: found automatically. */
  readonly ruleNames?: readonly string[] | undefined;
}

/** One managed rule. */
export interface ManagedRule {
  /** Index in `spec.rules`. */
  readonly index: number;
  /** How messages name it: `rules[1] "primary"`. */
  readonly label: string;
  /** The rule as found (not a copy). */
  readonly rule: HttpRouteRule;
}

/** The managed rules of one HTTPRoute; never empty. */
export type ManagedRules = readonly [ManagedRule, ...ManagedRule[]];

/** The name switchyard gives the service's pre-release header rule. */
export function headerRuleName(service: string): string {
  return `switchyard-${service}-prerelease`;
}

/** `rules[1] "primary"`, or `rules[1]` for an unnamed rule. */
export function ruleLabel(rule: HttpRouteRule, index: number): string {
  return typeof rule.name === 'string' ? `rules[${index}] "${rule.name}"` : `rules[${index}]`;
}

/**
 * The name istiod gives the Envoy route of a rule: its `name`, else
 * `<namespace>.<route>.<index>` (pilot's `convertHTTPRoute`).
 */
export function envoyRouteName(route: HttpRoute, index: number): string {
  const rule = route.spec.rules?.[index];
  if (typeof rule?.name === 'string') return rule.name;
  return `${route.metadata.namespace ?? ''}.${route.metadata.name}.${index}`;
}

/** The slot whose Service `backend` is (same namespace, kind Service), or undefined. */
export function slotOfBackend(
  target: HttpRouteTarget,
  backend: BackendObjectReference | undefined,
): Slot | undefined {
  if (backend === undefined) return undefined;
  if ((backend.group ?? '') !== '' || (backend.kind ?? 'Service') !== 'Service') return undefined;
  if (backend.namespace !== undefined && backend.namespace !== target.namespace) return undefined;
  return SLOTS.find((slot) => target.slotServices[slot] === backend.name);
}

/** A backendRef to a slot's Service, spelled out as the API server returns it. */
export function slotBackend(
  target: HttpRouteTarget,
  slot: Slot,
  port: number | undefined,
): BackendObjectReference {
  return {
    group: '',
    kind: 'Service',
    name: target.slotServices[slot],
    ...(port !== undefined ? { port } : {}),
  };
}

function rulesOf(route: HttpRoute): HttpRouteRule[] {
  return Array.isArray(route.spec.rules) ? route.spec.rules : [];
}

/** Whether `rule` is switchyard's own header rule for the target (by name and shape). */
export function isOwnHeaderRule(target: HttpRouteTarget, rule: HttpRouteRule): boolean {
  const backends = rule.backendRefs ?? [];
  return (
    rule.name === headerRuleName(target.service) &&
    backends.length === 1 &&
    slotOfBackend(target, backends[0]) !== undefined &&
    !(rule.filters ?? []).some((filter) => filter.type === 'RequestMirror')
  );
}

/** Where switchyard's header rule is, or undefined; refuses a rule of that name that is not ours. */
export function findHeaderRule(
  route: HttpRoute,
  target: HttpRouteTarget,
): { index: number; rule: HttpRouteRule } | undefined {
  const name = headerRuleName(target.service);
  const found = rulesOf(route).flatMap((rule, index) =>
    rule.name === name ? [{ index, rule }] : [],
  );
  if (found.length === 0) return undefined;
  const foreign = found.find(({ rule }) => !isOwnHeaderRule(target, rule));
  if (found.length > 1 || foreign !== undefined) {
    const culprit = foreign ?? found[1];
    throw new RouteRefusedError(
      'name-collision',
      objectRefOf(route),
      `${culprit ? ruleLabel(culprit.rule, culprit.index) : 'a rule'} is named like switchyard's pre-release header rule but is not one switchyard wrote`,
      'Rename or remove that rule by hand; switchyard will not replace or delete a rule it does not own.',
    );
  }
  return found[0];
}

/** Whether a match is the default one (`PathPrefix /`, nothing else). */
function isDefaultMatch(match: HttpRouteMatch): boolean {
  const keys = Object.keys(match).filter((key) => match[key] !== undefined);
  const path = match.path;
  return (
    keys.every((key) => key === 'path') &&
    (path === undefined ||
      ((path.type ?? 'PathPrefix') === 'PathPrefix' && (path.value ?? '/') === '/'))
  );
}

/** Whether a rule has conditions beyond the default match. */
export function hasConditions(rule: HttpRouteRule): boolean {
  const matches = rule.matches ?? [];
  return matches.length > 0 && !matches.every(isDefaultMatch);
}

function describeBackends(rule: HttpRouteRule): string {
  const names = (rule.backendRefs ?? []).map(
    (backend) =>
      `${backend.kind ?? 'Service'} ${backend.namespace ? `${backend.namespace}/` : ''}${backend.name}`,
  );
  return names.length === 0 ? 'no backends' : names.join(', ');
}

function selectNamedRules(
  ref: ObjectRef,
  target: HttpRouteTarget,
  rules: readonly HttpRouteRule[],
  names: readonly string[],
): number[] {
  const indices = new Set<number>();
  for (const name of new Set(names)) {
    const found = rules.flatMap((rule, index) => (rule.name === name ? [index] : []));
    if (found.length === 0) {
      const named = rules.flatMap((rule) =>
        typeof rule.name === 'string' ? [`"${rule.name}"`] : [],
      );
      throw new RouteRefusedError(
        'route-name-not-found',
        ref,
        `has no rule named "${name}"; its rules are ${named.length > 0 ? named.join(', ') : 'all unnamed'}`,
        `Pass one of the existing names, or add name: ${name} to the rule that serves ${target.service}.`,
      );
    }
    if (found.length > 1) {
      throw new RouteRefusedError(
        'ambiguous-routes',
        ref,
        `has ${found.length} rules named "${name}"`,
        'Give each rule a unique name and pass the one switchyard should manage.',
      );
    }
    const index = found[0] as number;
    if (name === headerRuleName(target.service)) {
      throw new RouteRefusedError(
        'name-collision',
        ref,
        `"${name}" is switchyard's own pre-release header rule, not a rule that carries ${target.service}'s traffic`,
        `Pass the name of the rule that serves ${target.service}'s users.`,
      );
    }
    indices.add(index);
  }
  return [...indices].sort((a, b) => a - b);
}

function selectRulesAutomatically(
  ref: ObjectRef,
  target: HttpRouteTarget,
  rules: readonly HttpRouteRule[],
): number[] {
  const candidates = rules.flatMap((rule, index) =>
    rule.name !== headerRuleName(target.service) &&
    (rule.backendRefs ?? []).some((backend) => slotOfBackend(target, backend) !== undefined)
      ? [index]
      : [],
  );
  const slots = `${target.slotServices.blue} or ${target.slotServices.green}`;
  if (candidates.length === 0) {
    throw new RouteRefusedError(
      'no-matching-route',
      ref,
      `no rule sends traffic to the slot Services ${slots}; its rules go to ` +
        (rules.length === 0
          ? 'nothing (it has no rules)'
          : rules
              .map((rule, index) => `${ruleLabel(rule, index)} → ${describeBackends(rule)}`)
              .join('; ')),
      `Pass the HTTPRoute that routes ${target.service}, or give its rule backendRefs to the Services ${slots} (one per slot, each selecting that slot's pods).`,
    );
  }
  if (candidates.length === 1) return candidates;
  const defaults = candidates.filter((index) => !hasConditions(rules[index] as HttpRouteRule));
  if (defaults.length === 1) return defaults;
  throw new RouteRefusedError(
    'ambiguous-routes',
    ref,
    `${candidates.length} rules send traffic to ${slots} (` +
      candidates
        .map((index) => {
          const rule = rules[index] as HttpRouteRule;
          return `${ruleLabel(rule, index)}${hasConditions(rule) ? ' with match conditions' : ' without match conditions'}`;
        })
        .join(', ') +
      `) and ${defaults.length === 0 ? 'none is' : `${defaults.length} are`} a default rule without conditions`,
    'Name the rule switchyard should manage (rules[].name) and pass that name as the route name (target.routes).',
  );
}

function refuseForeignBackends(
  ref: ObjectRef,
  target: HttpRouteTarget,
  managed: ManagedRule,
): void {
  const seen = new Set<Slot>();
  const backends = managed.rule.backendRefs ?? [];
  if (backends.length === 0) {
    throw new RouteRefusedError(
      'no-matching-route',
      ref,
      `${managed.label} has no backendRefs, so it has no traffic split to manage`,
      `Give it backendRefs to ${target.slotServices.blue} and ${target.slotServices.green}.`,
    );
  }
  for (const [position, backend] of backends.entries()) {
    const slot = slotOfBackend(target, backend);
    if (slot === undefined) {
      throw new RouteRefusedError(
        'foreign-destination',
        ref,
        `${managed.label} also sends to ${describeBackends({ backendRefs: [backend] })} (backendRefs[${position}]), which is not a slot Service of ${target.service}, so the rule is ambiguous about which backends are the slots`,
        `Route ${target.service}'s users through a rule whose only backends are ${target.slotServices.blue} and ${target.slotServices.green}, or name the slot Services in target.slots.`,
      );
    }
    if (seen.has(slot)) {
      throw new RouteRefusedError(
        'ambiguous-routes',
        ref,
        `${managed.label} names the ${slot} slot's Service ${target.slotServices[slot]} more than once`,
        'Keep one backendRef per slot Service.',
      );
    }
    seen.add(slot);
    const weight: unknown = backend.weight;
    if (
      weight !== undefined &&
      (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0)
    ) {
      throw new RouteRefusedError(
        'invalid-weights',
        ref,
        `${managed.label} has weight ${JSON.stringify(weight)} on ${backend.name}, which the Gateway API does not accept`,
        'Set a non-negative integer weight on every backendRef of the rule.',
      );
    }
  }
}

/**
 * The rules switchyard manages in `route` for `target` (see the module comment). Throws
 * `RouteRefusedError` naming the route, the rule and how to fix it when they cannot be
 * identified or managed safely.
 */
export function findManagedRules(route: HttpRoute, target: HttpRouteTarget): ManagedRules {
  const ref = objectRefOf(route);
  const rules = rulesOf(route);
  findHeaderRule(route, target);
  const indices =
    target.ruleNames !== undefined && target.ruleNames.length > 0
      ? selectNamedRules(ref, target, rules, target.ruleNames)
      : selectRulesAutomatically(ref, target, rules);
  const managed = indices.map((index): ManagedRule => {
    const rule = rules[index] as HttpRouteRule;
    return { index, label: ruleLabel(rule, index), rule };
  });
  for (const rule of managed) refuseForeignBackends(ref, target, rule);
  return managed as unknown as ManagedRules;
}
