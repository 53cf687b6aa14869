/**
 * The operations through an HTTPRoute (the second route backend), unchanged: deploy with the
 * header rule, a release to 100%, istiod refusing a step (rolled back at once, exit 5) or the
 * header rule (withdrawn), a concurrent edit of the weights (detected, not overwritten), and
 * the user's other fields kept byte for byte.
 */
import { describe, expect, it } from 'vitest';
import {
  ConcurrentEditError,
  ExitCode,
  exitCodeForError,
  ReleaseRolledBackError,
  RouteNotAcceptedError,
} from '../errors.js';
import type { HttpRoute } from '../routing/http-route/http-route-types.js';
import { recordIn, world, type World } from './__fixtures__/operations-world.js';
import type { Deployment } from '../kube/kube-types.js';

const MISSING = {
  type: 'ResolvedRefs' as const,
  reason: 'BackendNotFound',
  message: 'backend(reviews-green.bookinfo.svc.cluster.local) not found',
};

/** Whether the route sends anything to the green slot's Service (rule weight or header rule). */
const sendsToGreen = (route: HttpRoute): boolean =>
  (route.spec.rules ?? []).some((rule) =>
    (rule.backendRefs ?? []).some((b) => b.name === 'reviews-green' && (b.weight ?? 1) > 0),
  );

describe('operations through an HTTPRoute', () => {
  it('deploys with a header rule of its own, gated on the sidecars once istiod accepted it', async () => {
    const w = world({ kind: 'HTTPRoute' });
    const before = structuredClone(w.route());
    const summary = await w.engine().deploy({ image: 'reviews:v2' });
    expect(summary.outcome).toBe('deployed');
    const green = w.cluster.peek<Deployment>('Deployment', 'bookinfo', 'reviews-green');
    expect(green.spec.template.spec?.containers[0]?.image).toBe('reviews:v2');
    const rules = w.route().spec.rules ?? [];
    expect(rules[0]).toEqual(before.spec.rules?.[0]);
    expect(rules[1]).toMatchObject({
      name: 'switchyard-reviews-prerelease',
      backendRefs: [{ name: 'reviews-green', port: 9080, weight: 1 }],
      timeouts: { request: '10s' },
    });
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(recordIn(w)).toMatchObject({
      phase: 'deployed',
      candidateSlot: 'green',
      headerRoute: true,
    });
    // No DestinationRule: one gated change, the header rule, on the callers' sidecars.
    expect(w.gate.waits).toBe(1);
    expect(w.gate.scopes[0]).toEqual({
      sets: [{ proxyTypes: ['sidecar'], namespaces: undefined, selector: undefined }],
    });
    expect(w.cluster.recordedEvents[0]?.involvedObject).toMatchObject({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'reviews', namespace: 'bookinfo' },
    });
  });

  it("releases to 100% and leaves the user's fields as they were", async () => {
    const w = world({ kind: 'HTTPRoute' });
    const before = structuredClone(w.route());
    await w.engine().deploy({ image: 'reviews:v2' });
    const summary = await w.engine().release();
    expect(summary.outcome).toBe('released');
    expect(w.weights()).toEqual({ blue: 0, green: 100 });
    const after = w.route();
    expect(after.spec.rules).toHaveLength(1);
    expect(after.spec.parentRefs).toEqual(before.spec.parentRefs);
    const { backendRefs: _after, ...rest } = after.spec.rules?.[0] ?? {};
    const { backendRefs: _before, ...restBefore } = before.spec.rules?.[0] ?? {};
    expect(JSON.stringify(rest)).toBe(JSON.stringify(restBefore));
    // The checks counted the candidate by its Service, as the callers report it.
    expect(w.metrics.calls[0]).toMatchObject({
      candidateSelector:
        'reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"',
      stableSelector:
        'reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-blue"',
    });
  });

  it('rolls back at once, with istiod’s message, when it refuses a step (exit 5)', async () => {
    const w = world({ kind: 'HTTPRoute' });
    await w.engine().deploy({ image: 'reviews:v2' });
    const waitsBefore = w.gate.waits;
    // The green Service vanished after deploy: istiod refuses every route that weighs it.
    w.cluster.routeVerdict = (route) =>
      (route.spec.rules?.[0]?.backendRefs ?? []).some(
        (b) => b.name === 'reviews-green' && (b.weight ?? 1) > 0,
      )
        ? MISSING
        : undefined;
    const started = w.clock.now();
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    const rolled = error as ReleaseRolledBackError;
    expect(rolled.reason).toBe('route-not-accepted');
    expect(rolled.message).toContain(
      'ResolvedRefs BackendNotFound: backend(reviews-green.bookinfo.svc.cluster.local) not found',
    );
    expect(exitCodeForError(rolled)).toBe(ExitCode.Timeout);
    // Failed fast: the refused step never waited on the proxies; only the rollback did.
    expect(w.gate.waits).toBe(waitsBefore + 1);
    expect(w.clock.now() - started).toBeLessThan(10_000);
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(sendsToGreen(w.route())).toBe(false);
  });

  it('withdraws a header rule istiod refuses, and says who refused it', async () => {
    const w = world({ kind: 'HTTPRoute' });
    w.cluster.routeVerdict = (route) => (sendsToGreen(route) ? MISSING : undefined);
    const error = await w
      .engine()
      .deploy({ image: 'reviews:v2' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteNotAcceptedError);
    expect(w.route().spec.rules?.map((r) => r.name)).toEqual(['primary']);
    expect(recordIn(w)?.candidateSlot).toBeUndefined();
    expect(
      w.events.some(
        (e) =>
          e.type === 'warning' &&
          e.message.startsWith('pre-release header route rejected by istiod;'),
      ),
    ).toBe(true);
  });

  it('times out, then rolls back, when istiod reports nothing for the written generation', async () => {
    const w = world({ kind: 'HTTPRoute' });
    await w.engine().deploy({ image: 'reviews:v2' });
    w.cluster.routeVerdict = (route) => (sendsToGreen(route) ? 'silent' : undefined);
    const error = await w
      .engine({ sync: { timeout: '20s' } })
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseRolledBackError);
    expect((error as Error).message).toContain('istiod reported no status for generation');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
  });

  /** Someone else splits the managed rule 50/50 by hand. */
  const splitByHand = (w: World) => {
    const route = w.route();
    for (const ref of route.spec.rules?.[0]?.backendRefs ?? []) ref.weight = 50;
    w.cluster.put(route);
  };

  it('detects a concurrent edit of the weights, does not overwrite it, and rolls back on request', async () => {
    const w = world({ kind: 'HTTPRoute' });
    await w.engine().deploy({ image: 'reviews:v2' });
    w.metrics.script = (n) => {
      if (n === 1) splitByHand(w);
      return 'pass';
    };
    const error = await w
      .engine()
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as Error).message).toContain(
      'HTTPRoute bookinfo/reviews: the managed weights were changed by someone else to blue 50 / green 50',
    );
    expect(w.weights()).toEqual({ blue: 50, green: 50 });
    expect(recordIn(w)?.phase).toBe('failed');
    w.metrics.script = () => 'pass';
    const rolled = await w.engine().rollback();
    expect(rolled.outcome).toBe('rolled-back');
    expect(w.weights()).toEqual({ blue: 100, green: 0 });
    expect(recordIn(w)?.phase).toBe('rolled-back');
  });

  it('does not adopt weights edited between its writes when no check re-reads them', async () => {
    const w = world({ kind: 'HTTPRoute' });
    await w.engine().deploy({ image: 'reviews:v2' });
    const firstStepWait = w.gate.waits + 1;
    // Right after switchyard wrote 80/20, before its next write (the bake's record).
    w.gate.onWait = (n) => {
      if (n === firstStepWait) splitByHand(w);
    };
    const error = await w
      .engine({ checks: { items: [] } })
      .release()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentEditError);
    expect((error as Error).message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    expect(w.weights()).toEqual({ blue: 50, green: 50 });
    expect(recordIn(w)?.phase).toBe('failed');
  });

  it('plans a deploy and a release on the HTTPRoute, validated, without writing; status reads it', async () => {
    const w = world({ kind: 'HTTPRoute' });
    const deploy = await w.engine().plan({ operation: 'deploy', image: 'reviews:v2' });
    expect(deploy.changes.map((c) => `${c.object.kind}/${c.object.name}`)).toEqual([
      'Deployment/reviews-green',
      'HTTPRoute/reviews',
    ]);
    expect(deploy.changes.every((c) => c.validated)).toBe(true);
    expect(deploy.changes[1]?.description).toContain(
      'HTTPRoute bookinfo/reviews: add rule "switchyard-reviews-prerelease" at position 1',
    );
    expect(deploy.changes[1]?.diff).toContain('+    - name: switchyard-reviews-prerelease');
    expect(w.cluster.writes).toEqual([]);
    expect(deploy.notes[0]).toBe(
      'data plane: sidecars: the callers’ sidecars and gateways apply the routes',
    );

    await w.engine().deploy({ image: 'reviews:v2' });
    const writes = w.cluster.writes.length;
    const release = await w.engine().plan({ operation: 'release' });
    expect(release.changes[0]?.description).toContain(
      'rule "primary": weights reviews-blue 100→80, reviews-green 0→20',
    );
    expect(w.cluster.writes.length).toBe(writes);
    expect(release.notes).toContain(
      'checks count the candidate\'s requests as istio_requests_total{reporter="source",destination_service_namespace="bookinfo",destination_service_name="reviews-green"}',
    );

    const status = await w.engine().status();
    expect(status).toMatchObject({ phase: 'deployed', weights: { blue: 100, green: 0 } });
  });
});
