import { describe, expect, it } from 'vitest';
import { PortForwardError } from '../errors.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import type { EnvoyRouteReader } from './envoy-route-reader.js';
import { PushFence } from './push-fence.js';
import { baselineCriterion, evaluateSync } from './sync-evaluation.js';
import type { ProxyRouteStatus } from './syncz-status.js';
import {
  FQDN,
  sidecarRouteConfig,
  splitRoute,
  waypointListenersDump,
  waypointSplitRoute,
} from './__fixtures__/config-dump-fixtures.js';
import { nonce, status, synced } from './__fixtures__/syncz-fixtures.js';

const T0 = '2026-11-02T10:00:00Z';
const T1 = '2026-11-02T10:00:05Z';
const SENT_BEFORE = '2026-11-02T10:00:00.200Z';
const SENT_AFTER = '2026-11-02T10:00:05.200Z';

const expectation: DataplaneExpectation = {
  host: FQDN,
  port: 9080,
  weights: { blue: 80, green: 20 },
  routeName: 'primary',
  headerRoute: { name: 'switchyard-reviews-prerelease', present: false },
};
const NEW_ROUTES = dump({ blue: 80, green: 20 });
const OLD_ROUTES = dump({ blue: 90, green: 10 });

/** A sidecar's `dynamic_route_configs` answer. */
function dump(weights: Record<string, number>): unknown {
  return { configs: [sidecarRouteConfig([splitRoute(weights, { name: 'primary' })])] };
}

/** Proxies a, b on istiod-a and c on istiod-b, all on push 1 before the change. */
const before = [
  synced('a.ns', `${T0}/1`, SENT_BEFORE, 'istiod-a', 1),
  synced('b.ns', `${T0}/1`, SENT_BEFORE, 'istiod-a', 2),
  synced('c.ns', `${T0}/1`, SENT_BEFORE, 'istiod-b', 3),
];
const criterion = baselineCriterion(before, Date.parse('2026-11-02T10:00:03Z'), true);

/** `proxy` acked push `counter` of its replica after the change. */
function acked(proxy: string, counter: number, istiod = 'istiod-a'): ProxyRouteStatus {
  return synced(proxy, `${T1}/${counter}`, SENT_AFTER, istiod, counter * 10);
}

/** A reader answering each proxy's routes from `routes`, recording who was read. */
function reader(routes: Record<string, unknown>) {
  const reads: string[] = [];
  const read: EnvoyRouteReader = (proxy) => {
    const id = `${proxy.pod}.${proxy.namespace}`;
    reads.push(id);
    const answer = routes[id];
    return answer instanceof Error
      ? Promise.reject(answer)
      : Promise.resolve(answer ?? { configs: [] });
  };
  return { read, reads };
}

const everyProxy = () => true;

describe('push fence', () => {
  it("learns a replica's fence from a sentinel whose routes carry the change and whose ack held", async () => {
    const { read } = reader({ 'a.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [acked('a.ns', 7), before[1]!, before[2]!];
    await fence.observe(poll, everyProxy);
    // The dump alone proves nothing yet: the ack might have moved while it was read.
    expect(fence.fenceOf('istiod-a')).toBeUndefined();
    await fence.observe(poll, everyProxy);
    expect(fence.fenceOf('istiod-a')).toBe(7);
    expect(fence.admits(acked('b.ns', 7))).toBe(true);
    expect(fence.admits(acked('b.ns', 9))).toBe(true);
    // A push of that replica from an older context, acked after the baseline, is not enough.
    expect(fence.admits(acked('b.ns', 6))).toBe(false);
    // Counters of another replica are another sequence.
    expect(fence.admits(acked('c.ns', 9, 'istiod-b'))).toBe(false);
  });

  it('takes the ack of the next poll when the sentinel acked a newer push meanwhile', async () => {
    const { read } = reader({ 'a.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    await fence.observe([acked('a.ns', 7)], everyProxy);
    await fence.observe([acked('a.ns', 8)], everyProxy);
    // The routes read may have been push 8's: 7 is not proven, 8 is.
    expect(fence.fenceOf('istiod-a')).toBe(8);
    expect(fence.admits(acked('b.ns', 7))).toBe(false);
  });

  it('learns nothing from a sentinel that moved to another replica meanwhile', async () => {
    const { read } = reader({ 'a.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    await fence.observe([acked('a.ns', 7)], everyProxy);
    await fence.observe([acked('a.ns', 9, 'istiod-b')], everyProxy);
    expect(fence.fenceOf('istiod-a')).toBeUndefined();
    expect(fence.fenceOf('istiod-b')).toBeUndefined();
  });

  it('asks a sentinel whose routes lack the change again only after it acks a newer push', async () => {
    const routes: Record<string, unknown> = { 'a.ns': OLD_ROUTES };
    const { read, reads } = reader(routes);
    const fence = new PushFence({ expectation, routes: read, criterion });
    // Push 7 was begun before istiod saw the change: acked after the baseline, old routes.
    await fence.observe([acked('a.ns', 7)], everyProxy);
    await fence.observe([acked('a.ns', 7)], everyProxy);
    expect(reads).toEqual(['a.ns']);
    expect(fence.fenceOf('istiod-a')).toBeUndefined();
    expect(fence.admits(acked('a.ns', 7))).toBe(false);
    routes['a.ns'] = NEW_ROUTES;
    await fence.observe([acked('a.ns', 8)], everyProxy);
    await fence.observe([acked('a.ns', 8)], everyProxy);
    expect(reads).toEqual(['a.ns', 'a.ns']);
    expect(fence.fenceOf('istiod-a')).toBe(8);
  });

  it('takes the proxy with the newest ack of each replica, and never one still on its baseline push', async () => {
    const { read, reads } = reader({ 'b.ns': NEW_ROUTES, 'c.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [acked('a.ns', 7), acked('b.ns', 8), before[2]!];
    await fence.observe(poll, everyProxy);
    expect(reads).toEqual(['b.ns']);
  });

  it('never asks a proxy without routes for the service again, and tries another one', async () => {
    const { read, reads } = reader({ 'a.ns': { configs: [] }, 'b.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [acked('a.ns', 8), acked('b.ns', 7)];
    await fence.observe(poll, everyProxy);
    await fence.observe(poll, everyProxy);
    await fence.observe(poll, everyProxy);
    expect(reads).toEqual(['a.ns', 'b.ns']);
    expect(fence.fenceOf('istiod-a')).toBe(7);
  });

  it('does not ask a sentinel it could not read again, tries another, and says so while unfenced', async () => {
    const routes: Record<string, unknown> = {
      'a.ns': new PortForwardError({ kind: 'Pod', namespace: 'ns', name: 'a' }, 15000, 'forbidden'),
      'b.ns': NEW_ROUTES,
    };
    const { read, reads } = reader(routes);
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [acked('a.ns', 8), acked('b.ns', 7)];
    await fence.observe(poll, everyProxy);
    expect(fence.unfenced(poll, everyProxy)).toMatch(
      /^no push of istiod istiod-a was proven to carry the new routes .*; last config_dump read failed: a\.ns: .*forbidden/,
    );
    await fence.observe(poll, everyProxy);
    await fence.observe(poll, everyProxy);
    expect(reads).toEqual(['a.ns', 'b.ns']);
    expect(fence.fenceOf('istiod-a')).toBe(7);
    expect(fence.unfenced(poll, everyProxy)).toBeUndefined();
  });

  it('only picks sentinels in scope', async () => {
    const { read, reads } = reader({ 'a.ns': NEW_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    await fence.observe([acked('a.ns', 7)], (s) => s.proxy !== 'a.ns');
    expect(reads).toEqual([]);
  });
});

describe('push fence on waypoints (no RDS: routes inline in their listeners)', () => {
  /** Waypoint `proxy` acked listener push `counter` of `istiod` after the change. */
  function waypointAcked(proxy: string, counter: number, istiod = 'istiod-a'): ProxyRouteStatus {
    const n = nonce(`${T1}/${counter}`, counter * 10);
    return status(
      { proxy, type: 'waypoint', routeSent: n, routeAcked: n, sentTime: SENT_AFTER },
      istiod,
    );
  }
  const NEW_LISTENERS = waypointListenersDump([waypointSplitRoute({ blue: 80, green: 20 })]);
  const OLD_LISTENERS = waypointListenersDump([waypointSplitRoute({ blue: 90, green: 10 })]);

  it("learns a replica's fence from a waypoint whose main_internal routes carry the change, in its cluster names", async () => {
    const { read, reads } = reader({ 'waypoint-a.ns': NEW_LISTENERS });
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [waypointAcked('waypoint-a.ns', 7), waypointAcked('waypoint-b.ns', 7, 'istiod-b')];
    await fence.observe(poll, (s) => s.istiod === 'istiod-a');
    await fence.observe(poll, (s) => s.istiod === 'istiod-a');
    expect(reads).toEqual(['waypoint-a.ns']);
    expect(fence.fenceOf('istiod-a')).toBe(7);
    expect(fence.admits(waypointAcked('waypoint-c.ns', 7))).toBe(true);
    expect(fence.admits(waypointAcked('waypoint-c.ns', 6))).toBe(false);
    expect(fence.unfenced(poll, (s) => s.istiod === 'istiod-a')).toBeUndefined();
  });

  it('does not learn a fence from a waypoint whose listeners lack the change, nor from RDS-shaped routes', async () => {
    const routes: Record<string, unknown> = {
      'waypoint-a.ns': OLD_LISTENERS,
      // Route configurations as a sidecar has them: a waypoint's routes are not there.
      'waypoint-b.ns': NEW_ROUTES,
    };
    const { read, reads } = reader(routes);
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [waypointAcked('waypoint-a.ns', 7), waypointAcked('waypoint-b.ns', 5, 'istiod-b')];
    await fence.observe(poll, everyProxy);
    await fence.observe(poll, everyProxy);
    expect(reads.sort()).toEqual(['waypoint-a.ns', 'waypoint-b.ns']);
    expect(fence.fenceOf('istiod-a')).toBeUndefined();
    expect(fence.fenceOf('istiod-b')).toBeUndefined();
    expect(fence.admits(waypointAcked('waypoint-a.ns', 7))).toBe(false);
    expect(fence.unfenced(poll, everyProxy)).toMatch(
      /^no push of istiod istiod-a, istiod-b was proven to carry the new routes/,
    );
    // Once its listeners carry the change, a newer push of the waypoint proves it.
    routes['waypoint-a.ns'] = NEW_LISTENERS;
    const later = [waypointAcked('waypoint-a.ns', 8), poll[1]!];
    await fence.observe(later, everyProxy);
    await fence.observe(later, everyProxy);
    expect(fence.fenceOf('istiod-a')).toBe(8);
  });
});

describe('the baseline-only rule against the fenced rule, on a busy mesh', () => {
  it('counts a proxy that acked an older context after the baseline only without the fence', async () => {
    // istiod-a made push 7 from a context begun before it saw the change and push 8 after:
    // proxy a has 8 (the new routes), proxy b acked 7 (the old routes) after the baseline.
    const { read } = reader({ 'a.ns': NEW_ROUTES, 'b.ns': OLD_ROUTES });
    const fence = new PushFence({ expectation, routes: read, criterion });
    const poll = [acked('a.ns', 8), acked('b.ns', 7)];
    await fence.observe(poll, everyProxy);
    await fence.observe(poll, everyProxy);
    expect(evaluateSync(poll, criterion)).toMatchObject({ synced: 2, total: 2 });
    const fenced = evaluateSync(poll, criterion, everyProxy, (s) => fence.admits(s));
    expect(fenced).toMatchObject({ synced: 1, total: 2 });
    expect(fenced.pending.map((s) => s.proxy)).toEqual(['b.ns']);
  });
});
