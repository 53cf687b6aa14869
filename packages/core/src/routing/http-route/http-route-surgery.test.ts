/**
 * HTTPRoute surgery: which rules are managed, weights on the slot backendRefs, the
 * pre-release header rule (and that it wins under istiod's precedence, on a model of it),
 * the mirror; every other byte of the route untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteRefusedError, UsageError } from '../../errors.js';
import {
  backend,
  primaryRule,
  route,
  ruleReached,
  TARGET,
  type ModelRequest,
} from './__fixtures__/http-route-fixtures.js';
import { removeHeaderRule, setHeaderRule } from './header-rule.js';
import type { HttpRouteMatch, HttpRouteRule } from './http-route-types.js';
import { envoyRouteName, findManagedRules } from './managed-rules.js';
import { removeRuleMirror, setRuleMirror } from './rule-mirror.js';
import { readRuleWeights, setRuleWeights } from './rule-weights.js';

const HEADERS = { 'x-release': { exact: 'candidate' } };

function refusal(fn: () => unknown): RouteRefusedError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RouteRefusedError) return error;
    throw error;
  }
  throw new Error('expected a RouteRefusedError');
}

describe('managed rules', () => {
  it('manages the one rule sending to the slot Services, whatever its matches', () => {
    const rule: HttpRouteRule = {
      matches: [{ path: { type: 'PathPrefix', value: '/reviews' } }],
      backendRefs: [backend('reviews-blue', 100), backend('reviews-green', 0)],
    };
    const r = route([{ backendRefs: [backend('details', 1)] }, rule]);
    expect(findManagedRules(r, TARGET).map((m) => m.index)).toEqual([1]);
    // istiod names an unnamed rule's Envoy route <namespace>.<route>.<index>.
    expect(envoyRouteName(r, 1)).toBe('bookinfo.reviews.1');
    expect(envoyRouteName(route([primaryRule()]), 0)).toBe('primary');
  });

  it("manages the default rule among several, leaving the user's conditional ones", () => {
    const jason: HttpRouteRule = {
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ name: 'end-user', value: 'jason' }],
        },
      ],
      backendRefs: [backend('reviews-green', 1)],
    };
    expect(findManagedRules(route([jason, primaryRule()]), TARGET).map((m) => m.index)).toEqual([
      1,
    ]);
  });

  it('refuses, naming the route and rule: ambiguous rules, foreign backends, no slot rule, zero weights', () => {
    const a = { ...primaryRule(), name: 'a' };
    const b = { ...primaryRule(), name: 'b' };
    expect(refusal(() => findManagedRules(route([a, b]), TARGET)).reason).toBe('ambiguous-routes');

    const foreign = refusal(() =>
      findManagedRules(
        route([{ backendRefs: [backend('reviews-blue', 90), backend('reviews-canary', 10)] }]),
        TARGET,
      ),
    );
    expect(foreign.reason).toBe('foreign-destination');
    expect(foreign.message).toContain(
      'HTTPRoute bookinfo/reviews: rules[0] also sends to Service reviews-canary',
    );

    const none = refusal(() =>
      findManagedRules(route([{ backendRefs: [backend('ratings')] }]), TARGET),
    );
    expect(none.reason).toBe('no-matching-route');
    expect(none.message).toContain(
      'no rule sends traffic to the slot Services reviews-blue or reviews-green',
    );

    const zero = refusal(() => readRuleWeights(route([primaryRule(0, 0)]), TARGET));
    expect(zero.reason).toBe('invalid-weights');
    expect(zero.message).toContain('istiod answers with a 500');

    const otherNamespace = route([
      {
        backendRefs: [
          { ...backend('reviews-blue', 100), namespace: 'shop' },
          backend('reviews-green', 0),
        ],
      },
    ]);
    expect(refusal(() => findManagedRules(otherNamespace, TARGET)).reason).toBe(
      'foreign-destination',
    );
  });

  it('manages exactly the named rules, and refuses a missing name or its own header rule', () => {
    const named = { ...TARGET, ruleNames: ['primary'] };
    expect(findManagedRules(route([primaryRule()]), named)).toHaveLength(1);
    expect(
      refusal(() => findManagedRules(route([primaryRule()]), { ...TARGET, ruleNames: ['main'] }))
        .reason,
    ).toBe('route-name-not-found');
    const withHeader = setHeaderRule(route([primaryRule()]), TARGET, {
      slot: 'green',
      headers: HEADERS,
    });
    expect(
      refusal(() =>
        findManagedRules(withHeader, { ...TARGET, ruleNames: ['switchyard-reviews-prerelease'] }),
      ).reason,
    ).toBe('name-collision');
  });
});

describe('rule weights', () => {
  it('reads weights as the proxies split them (CRD default 1, relative weights normalised)', () => {
    expect(readRuleWeights(route([primaryRule(100, 0)]), TARGET)).toEqual({ blue: 100, green: 0 });
    expect(readRuleWeights(route([primaryRule(1, 3)]), TARGET)).toEqual({ blue: 25, green: 75 });
    const defaults = route([{ backendRefs: [backend('reviews-blue'), backend('reviews-green')] }]);
    expect(readRuleWeights(defaults, TARGET)).toEqual({ blue: 50, green: 50 });
  });

  it('refuses named managed rules that split traffic differently, listing each split', () => {
    const named = { ...TARGET, ruleNames: ['a', 'b'] };
    const disagreeing = route([
      { ...primaryRule(100, 0), name: 'a' },
      { ...primaryRule(0, 100), name: 'b' },
    ]);
    const refused = refusal(() => readRuleWeights(disagreeing, named));
    expect(refused.reason).toBe('invalid-weights');
    expect(refused.message).toMatch(
      /the managed rules split traffic differently: .*blue 100 \/ green 0, .*blue 0 \/ green 100/,
    );
    const agreeing = setRuleWeights(disagreeing, named, { blue: 70, green: 30 });
    expect(readRuleWeights(agreeing, named)).toEqual({ blue: 70, green: 30 });
  });

  it('sets only the weights, keeps the slot at 0, adds a missing slot backendRef with its port', () => {
    const before = route([primaryRule()]);
    const after = setRuleWeights(before, TARGET, { blue: 90, green: 10 });
    expect(after.spec.rules?.[0]?.backendRefs).toEqual([
      backend('reviews-blue', 90),
      backend('reviews-green', 10),
    ]);
    expect({ ...after.spec.rules?.[0], backendRefs: undefined }).toEqual({
      ...before.spec.rules?.[0],
      backendRefs: undefined,
    });
    expect(before.spec.rules?.[0]?.backendRefs?.[0]?.weight).toBe(100);
    const full = setRuleWeights(before, TARGET, { blue: 0, green: 100 });
    expect(full.spec.rules?.[0]?.backendRefs?.map((b) => b.weight)).toEqual([0, 100]);

    const lone = route([{ name: 'primary', backendRefs: [backend('reviews-blue', 1, 8080)] }]);
    expect(
      setRuleWeights(lone, TARGET, { blue: 80, green: 20 }).spec.rules?.[0]?.backendRefs,
    ).toEqual([backend('reviews-blue', 80, 8080), backend('reviews-green', 20, 8080)]);
    expect(() => setRuleWeights(before, TARGET, { blue: 0, green: 0 })).toThrow(UsageError);
  });
});

describe('the pre-release header rule', () => {
  it('is a rule of its own after the user rules, copying the managed matches, timeouts and filters but mirrors', () => {
    const user: HttpRouteRule = { name: 'ratings', backendRefs: [backend('ratings', 1)] };
    const managed: HttpRouteRule = {
      ...primaryRule(),
      matches: [
        { path: { type: 'PathPrefix', value: '/reviews' } },
        { path: { type: 'Exact', value: '/health' }, method: 'GET' },
      ],
      filters: [
        {
          type: 'RequestHeaderModifier',
          requestHeaderModifier: { set: [{ name: 'x-tier', value: 'a' }] },
        },
        { type: 'RequestMirror', requestMirror: { backendRef: backend('audit'), percent: 5 } },
      ],
    };
    const before = route([managed, user]);
    const after = setHeaderRule(before, TARGET, {
      slot: 'green',
      headers: { 'x-release': { exact: 'candidate' }, 'x-build': { prefix: '1.2' } },
    });
    expect(after.spec.rules?.slice(0, 2)).toEqual(before.spec.rules);
    expect(after.spec.rules?.[2]).toEqual({
      name: 'switchyard-reviews-prerelease',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/reviews' },
          headers: [
            { type: 'Exact', name: 'x-release', value: 'candidate' },
            { type: 'RegularExpression', name: 'x-build', value: '1\\.2.*' },
          ],
        },
        {
          path: { type: 'Exact', value: '/health' },
          method: 'GET',
          headers: [
            { type: 'Exact', name: 'x-release', value: 'candidate' },
            { type: 'RegularExpression', name: 'x-build', value: '1\\.2.*' },
          ],
        },
      ],
      filters: [managed.filters?.[0]],
      backendRefs: [backend('reviews-green', 1)],
      timeouts: { request: '10s' },
    });
    // Weights are still read from the managed rule, and setting it again replaces it in place.
    expect(readRuleWeights(after, TARGET)).toEqual({ blue: 100, green: 0 });
    const again = setHeaderRule(after, TARGET, { slot: 'blue', headers: HEADERS });
    expect(again.spec.rules).toHaveLength(3);
    expect(again.spec.rules?.[2]?.backendRefs).toEqual([backend('reviews-blue', 1)]);
    expect(removeHeaderRule(again, TARGET)).toEqual(before);
  });

  it('refuses a managed rule without matches beside other rules: it ranks below them all', () => {
    const bare = { ...primaryRule(), matches: [] };
    const other: HttpRouteRule = {
      name: 'ratings',
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [backend('ratings', 1)],
    };
    const error = refusal(() =>
      setHeaderRule(route([bare, other]), TARGET, { slot: 'green', headers: HEADERS }),
    );
    expect(error.message).toContain(
      'rules[0] "primary" has no matches, so istiod ranks it below every other rule',
    );
  });

  it('gives a managed rule without matches the default path match', () => {
    const after = setHeaderRule(route([{ ...primaryRule(), matches: undefined }]), TARGET, {
      slot: 'green',
      headers: HEADERS,
    });
    expect(after.spec.rules?.[1]?.matches).toEqual([
      {
        path: { type: 'PathPrefix', value: '/' },
        headers: [{ type: 'Exact', name: 'x-release', value: 'candidate' }],
      },
    ]);
  });

  it('refuses a header the managed rule already matches, a foreign rule of its name, and the route limits', () => {
    const jason: HttpRouteRule = {
      ...primaryRule(),
      matches: [
        { path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'X-Release', value: 'a' }] },
      ],
    };
    expect(() =>
      setHeaderRule(route([jason]), TARGET, { slot: 'green', headers: HEADERS }),
    ).toThrow('rules[0] "primary" already matches header "X-Release"');
    const impostor: HttpRouteRule = {
      name: 'switchyard-reviews-prerelease',
      backendRefs: [backend('ratings', 1)],
    };
    expect(
      refusal(() =>
        setHeaderRule(route([primaryRule(), impostor]), TARGET, {
          slot: 'green',
          headers: HEADERS,
        }),
      ).reason,
    ).toBe('name-collision');
    const full = route([
      primaryRule(),
      ...Array.from({ length: 15 }, (_, i) => ({
        name: `r${i}`,
        backendRefs: [backend('ratings', 1)],
      })),
    ]);
    expect(
      refusal(() => setHeaderRule(full, TARGET, { slot: 'green', headers: HEADERS })).reason,
    ).toBe('route-limits');
  });

  it('wins under istiod precedence for exactly the requests the managed rule would get', () => {
    const refusals: string[] = [];
    // User rules around the managed one: a longer path, an exact path, a method rule, a
    // header rule, a query rule; the header rule must take only the managed rule's
    // requests that carry the header, and leave every other rule its requests.
    const pathArb = fc.constantFrom('/', '/reviews', '/reviews/1', '/api', '/health');
    const matchArb: fc.Arbitrary<HttpRouteMatch> = fc.record(
      {
        path: fc.record({
          type: fc.constantFrom('PathPrefix', 'Exact'),
          value: pathArb,
        }),
        method: fc.constantFrom('GET', 'POST'),
        headers: fc.constantFrom(
          [{ type: 'Exact', name: 'end-user', value: 'jason' }],
          [{ type: 'Exact', name: 'x-beta', value: '1' }],
        ),
        queryParams: fc.constant([{ type: 'Exact', name: 'v', value: '2' }]),
      },
      { requiredKeys: ['path'] },
    );
    const userRuleArb = fc
      .array(matchArb, { minLength: 1, maxLength: 2 })
      .map((matches): HttpRouteRule => ({
        name: 'user',
        matches,
        backendRefs: [backend('ratings', 1)],
      }));
    const managedArb = fc
      .array(matchArb, { minLength: 0, maxLength: 2 })
      .map((matches): HttpRouteRule => ({
        ...primaryRule(),
        matches: matches.length > 0 ? matches : undefined,
      }));
    const requestArb: fc.Arbitrary<ModelRequest> = fc.record({
      path: pathArb,
      method: fc.constantFrom('GET', 'POST'),
      headers: fc.record(
        {
          'x-release': fc.constant('candidate'),
          'end-user': fc.constant('jason'),
          'x-beta': fc.constant('1'),
        },
        { requiredKeys: [] },
      ),
      query: fc.record({ v: fc.constant('2') }, { requiredKeys: [] }),
    });
    fc.assert(
      fc.property(
        fc.array(userRuleArb, { maxLength: 3 }),
        managedArb,
        fc.integer({ min: 0, max: 3 }),
        fc.array(requestArb, { minLength: 20, maxLength: 20 }),
        (users, managed, at, requests) => {
          const rules = [...users];
          rules.splice(Math.min(at, rules.length), 0, managed);
          const managedIndex = rules.indexOf(managed);
          let before;
          try {
            before = route(
              rules.map((rule, i) => (rule === managed ? rule : { ...rule, name: `user-${i}` })),
            );
            findManagedRules(before, TARGET);
          } catch {
            return; // a user rule the generator made look like the managed one
          }
          let after;
          try {
            after = setHeaderRule(before, TARGET, { slot: 'green', headers: HEADERS });
          } catch (error) {
            if (error instanceof UsageError) return; // the managed rule matches x-release itself
            // A managed rule without matches beside other rules, or a user rule the header
            // rule would outrank: refused, nothing changes.
            if (error instanceof RouteRefusedError) {
              refusals.push(error.reason);
              return;
            }
            throw error;
          }
          const headerIndex = (after.spec.rules ?? []).length - 1;
          for (const request of requests) {
            const was = ruleReached(before, request);
            const now = ruleReached(after, request);
            const tester = request.headers['x-release'] === 'candidate';
            if (was === managedIndex && tester) expect(now).toBe(headerIndex);
            else expect(now).toBe(was);
          }
        },
      ),
      { numRuns: 300 },
    );
    // The generator reaches both kinds of refusal, and still mostly routes.
    expect(new Set(refusals)).toEqual(new Set(['ambiguous-routes', 'precedence-conflict']));
    expect(refusals.length).toBeLessThan(150);
  });

  it("refuses when the header rule would outrank a user's rule that shadows the managed match", () => {
    // The user's beta rule ties the managed match (one header each) and comes first, so it
    // takes requests carrying both headers; the header rule (two headers) would outrank it.
    const beta: HttpRouteRule = {
      name: 'beta',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-beta', value: '1' }],
        },
      ],
      backendRefs: [backend('ratings', 1)],
    };
    const managed: HttpRouteRule = {
      ...primaryRule(),
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-tier', value: 'gold' }],
        },
      ],
    };
    const error = refusal(() =>
      setHeaderRule(route([beta, managed]), TARGET, { slot: 'green', headers: HEADERS }),
    );
    expect(error.reason).toBe('precedence-conflict');
    expect(error.message).toContain('rules[0] "beta" takes requests from rules[1] "primary"');
    // An exact value that sets them apart (the same header, another value) is no conflict.
    const apart: HttpRouteRule = {
      ...beta,
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'x-tier', value: 'silver' }],
        },
      ],
    };
    expect(() =>
      setHeaderRule(route([apart, managed]), TARGET, { slot: 'green', headers: HEADERS }),
    ).not.toThrow();
    // bookinfo's jason rule (a header, above a default rule) keeps its requests: a tie on
    // header count, and the header rule comes last.
    const jason: HttpRouteRule = {
      name: 'jason',
      matches: [
        {
          path: { type: 'PathPrefix', value: '/' },
          headers: [{ type: 'Exact', name: 'end-user', value: 'jason' }],
        },
      ],
      backendRefs: [backend('ratings', 1)],
    };
    const after = setHeaderRule(route([jason, primaryRule()]), TARGET, {
      slot: 'green',
      headers: HEADERS,
    });
    const request = (headers: Record<string, string>): ModelRequest => ({
      path: '/',
      method: 'GET',
      headers,
      query: {},
    });
    expect(ruleReached(after, request({ 'end-user': 'jason', 'x-release': 'candidate' }))).toBe(0);
    expect(ruleReached(after, request({ 'x-release': 'candidate' }))).toBe(2);
    expect(ruleReached(after, request({}))).toBe(1);
  });
});

describe('the mirror', () => {
  it("adds a RequestMirror with percent to the candidate's Service, keeps a user's mirror, and removes only its own", () => {
    const user = {
      type: 'RequestMirror',
      requestMirror: { backendRef: backend('audit'), percent: 5 },
    };
    const before = route([{ ...primaryRule(), filters: [user] }]);
    const after = setRuleMirror(before, TARGET, { slot: 'green', percentage: 20 });
    expect(after.spec.rules?.[0]?.filters).toEqual([
      user,
      {
        type: 'RequestMirror',
        requestMirror: { backendRef: backend('reviews-green'), percent: 20 },
      },
    ]);
    expect(
      setRuleMirror(after, TARGET, { slot: 'green', percentage: 50 }).spec.rules?.[0]?.filters,
    ).toHaveLength(2);
    expect(removeRuleMirror(after, TARGET)).toEqual(before);
    const plain = route([primaryRule()]);
    expect(
      removeRuleMirror(setRuleMirror(plain, TARGET, { slot: 'green', percentage: 10 }), TARGET),
    ).toEqual(plain);
    expect(() => setRuleMirror(plain, TARGET, { slot: 'green', percentage: 2.5 })).toThrow(
      'an HTTPRoute mirrors a whole percent',
    );
  });
});
