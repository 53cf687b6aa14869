import { describe, expect, it } from 'vitest';
import { nonce, status, synczEntry } from './__fixtures__/syncz-fixtures.js';
import {
  compareRoutePush,
  mergeReplicas,
  parseSyncz,
  parseSynczEntry,
  SynczFormatError,
  xdsState,
} from './syncz-status.js';
import { parseNonce } from './xds-nonce.js';

describe('parseNonce', () => {
  it('splits version + UUID even when the UUID starts with digits', () => {
    const parsed = parseNonce('2026-11-02T10:00:00Z/427c0a3f1-1b2c-4d3e-8f40-000000000001');
    expect(parsed).toEqual({
      version: '2026-11-02T10:00:00Z/4',
      time: Date.parse('2026-11-02T10:00:00Z'),
      counter: 4,
    });
    expect(parseNonce(nonce('2026-11-02T10:00:07Z/42')).counter).toBe(42);
  });

  it('reads a bare UUID (older istiod) as a nonce without version', () => {
    expect(parseNonce('7c0a3f1e-1b2c-4d3e-8f40-000000000001')).toEqual({
      version: '',
      time: undefined,
      counter: undefined,
    });
  });

  it('reads an empty or unrecognised nonce as no version', () => {
    expect(parseNonce('').time).toBeUndefined();
    expect(parseNonce('garbage').counter).toBeUndefined();
  });
});

describe("xdsState (istiod's debugSyncStatus, as istioctl proxy-status prints it)", () => {
  it.each([
    ['', '', undefined, 'NOT SENT'],
    ['', 'a', undefined, 'NOT SENT'],
    // ERROR is checked before NOT SENT, as istiod does.
    ['', '', 'rejected', 'ERROR'],
    ['b', 'a', 'rejected', 'ERROR'],
    ['a', 'a', 'rejected', 'ERROR'],
    ['a', 'a', undefined, 'SYNCED'],
    ['a', '', undefined, 'STALE'],
    ['b', 'a', undefined, 'STALE'],
  ] as const)('sent=%j acked=%j lastError=%j → %s', (sent, acked, lastError, expected) => {
    expect(xdsState(sent, acked, lastError)).toBe(expected);
  });
});

describe('parseSynczEntry', () => {
  const n1 = nonce('2026-11-02T10:00:00Z/41');
  const n2 = nonce('2026-11-02T10:00:05Z/42');

  it('reads the route status, sentTime and identity', () => {
    const parsed = parseSynczEntry(
      synczEntry({
        proxy: 'reviews-green-5b7d6c9f4-x2k9p.bookinfo',
        routeSent: n2,
        routeAcked: n2,
        sentTime: '2026-11-02T10:00:05.100Z',
      }),
      'istiod-1',
    );
    expect(parsed).toMatchObject({
      proxy: 'reviews-green-5b7d6c9f4-x2k9p.bookinfo',
      pod: 'reviews-green-5b7d6c9f4-x2k9p',
      namespace: 'bookinfo',
      proxyType: 'sidecar',
      istiod: 'istiod-1',
      sent: n2,
      acked: n2,
      sentAt: Date.parse('2026-11-02T10:00:05.100Z'),
      nonceTime: Date.parse('2026-11-02T10:00:05Z'),
      nonceCounter: 42,
      state: 'SYNCED',
    });
  });

  it('keeps dots of a pod name and takes the namespace after the last dot', () => {
    const parsed = status({ proxy: 'my.odd.pod.prod' });
    expect(parsed.pod).toBe('my.odd.pod');
    expect(parsed.namespace).toBe('prod');
  });

  it('reads missing nonces (omitempty) as never sent', () => {
    const parsed = status({ proxy: 'p.ns', sentTime: null });
    expect(parsed.sent).toBe('');
    expect(parsed.state).toBe('NOT SENT');
    // Go's zero time means "never sent", not a push in year 1.
    expect(parsed.sentAt).toBeUndefined();
  });

  it('reports lastError as ERROR with the error text', () => {
    const parsed = status({
      proxy: 'p.ns',
      routeSent: n2,
      routeAcked: n1,
      sentTime: '2026-11-02T10:00:05Z',
      lastError: 'Proto constraint validation failed',
    });
    expect(parsed.state).toBe('ERROR');
    expect(parsed.lastError).toBe('Proto constraint validation failed');
  });

  it('reads acked older than sent as STALE, never acked as STALE', () => {
    expect(status({ proxy: 'p.ns', routeSent: n2, routeAcked: n1 }).state).toBe('STALE');
    expect(status({ proxy: 'p.ns', routeSent: n2 }).state).toBe('STALE');
  });

  it('works without the resources map (istiod < 1.23): no sentTime, no lastError', () => {
    const parsed = status({ proxy: 'p.ns', routeSent: n2, routeAcked: n2, noResources: true });
    expect(parsed.sentAt).toBeUndefined();
    expect(parsed.nonceTime).toBe(Date.parse('2026-11-02T10:00:05Z'));
    expect(parsed.state).toBe('SYNCED');
  });

  it('falls back to the resources map when the flat fields are absent', () => {
    const entry = synczEntry({ proxy: 'p.ns', routeSent: n2, routeAcked: n1 });
    delete entry.route_sent;
    delete entry.route_acked;
    expect(parseSynczEntry(entry, 'i')).toMatchObject({ sent: n2, acked: n1, state: 'STALE' });
  });

  it('accepts bare-UUID nonces', () => {
    const uuid = '7c0a3f1e-1b2c-4d3e-8f40-000000000009';
    const parsed = status({ proxy: 'p.ns', routeSent: uuid, routeAcked: uuid, noResources: true });
    expect(parsed.state).toBe('SYNCED');
    expect(parsed.nonceTime).toBeUndefined();
  });

  it('skips entries without a proxy id and tolerates junk fields', () => {
    expect(parseSynczEntry({ route_sent: 'x' }, 'i')).toBeUndefined();
    expect(parseSynczEntry('nope', 'i')).toBeUndefined();
    expect(parseSynczEntry({ proxy: 'a.b', route_sent: 42, resources: 'x' }, 'i')).toMatchObject({
      sent: '',
      state: 'NOT SENT',
    });
  });
});

describe('the routes of each kind of proxy', () => {
  const n1 = nonce('2026-11-02T10:00:00Z/41');
  const n2 = nonce('2026-11-02T10:00:05Z/42');

  it('judges a waypoint on its listeners: istiod inlines its routes there, route_sent stays empty', () => {
    const entry = synczEntry({
      proxy: 'waypoint-5d8-x.bookinfo',
      type: 'waypoint',
      routeSent: n2,
      routeAcked: n1,
      sentTime: '2026-11-02T10:00:05.200Z',
      lastError: 'Error adding/updating listener(s) main_internal: boom',
    });
    expect(entry).not.toHaveProperty('route_sent');
    expect(entry).toMatchObject({ listener_sent: n2, listener_acked: n1 });
    expect(parseSynczEntry(entry, 'istiod-1')).toMatchObject({
      proxyType: 'waypoint',
      routesType: 'LDS',
      sent: n2,
      acked: n1,
      sentAt: Date.parse('2026-11-02T10:00:05.200Z'),
      nonceCounter: 42,
      lastError: 'Error adding/updating listener(s) main_internal: boom',
      state: 'ERROR',
    });
  });

  it('judges sidecars and gateway routers on RDS', () => {
    for (const type of ['sidecar', 'router', ''])
      expect(status({ proxy: 'p.ns', type, routeSent: n2, routeAcked: n2 })).toMatchObject({
        routesType: 'RDS',
        state: 'SYNCED',
      });
  });

  it('gives ztunnel no routes: it is L4 only, never part of an L7 change', () => {
    expect(status({ proxy: 'ztunnel-abc.istio-system', type: 'ztunnel' })).toMatchObject({
      routesType: undefined,
      sent: '',
      state: 'NOT SENT',
    });
  });
});

describe('every xDS type (the istioctl proxy-status columns)', () => {
  it('judges CDS, LDS, EDS, RDS and ECDS each by its own nonces and error', () => {
    const status = parseSynczEntry(
      {
        proxy: 'reviews-blue-1.bookinfo',
        cluster_sent: 'c2',
        cluster_acked: 'c2',
        listener_sent: 'l2',
        listener_acked: 'l1',
        route_sent: 'r2',
        route_acked: 'r1',
        resources: {
          'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': {
            sent: 'r2',
            acked: 'r1',
            sentTime: '2026-11-02T10:00:00.100Z',
            lastError: 'unknown field',
          },
          'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': {
            sent: 'e3',
            acked: 'e3',
            sentTime: '2026-11-02T09:59:00Z',
          },
        },
      },
      'istiod-a',
    );
    expect(status?.xds).toEqual({
      CDS: { state: 'SYNCED', sentAt: undefined, lastError: undefined },
      LDS: { state: 'STALE', sentAt: undefined, lastError: undefined },
      EDS: { state: 'SYNCED', sentAt: Date.parse('2026-11-02T09:59:00Z'), lastError: undefined },
      RDS: {
        state: 'ERROR',
        sentAt: Date.parse('2026-11-02T10:00:00.100Z'),
        lastError: 'unknown field',
      },
      ECDS: { state: 'NOT SENT', sentAt: undefined, lastError: undefined },
    });
  });
});

describe('parseSyncz', () => {
  it('parses every entry of an array', () => {
    const statuses = parseSyncz(
      [synczEntry({ proxy: 'a.ns' }), synczEntry({ proxy: 'b.ns' }), { cluster_id: 'x' }],
      'istiod-1',
    );
    expect(statuses.map((s) => s.proxy)).toEqual(['a.ns', 'b.ns']);
  });

  it('rejects an answer that is not an array', () => {
    expect(() => parseSyncz({ error: 'x' }, 'i')).toThrow(SynczFormatError);
    expect(() => parseSyncz(null, 'i')).toThrow(/JSON array/);
  });
});

describe('mergeReplicas', () => {
  const old = nonce('2026-11-02T10:00:00Z/7', 1);
  const fresh = nonce('2026-11-02T10:00:09Z/3', 2);

  it('keeps one entry per proxy: the newest route push by sentTime', () => {
    const lingering = status(
      { proxy: 'p.ns', routeSent: old, routeAcked: old, sentTime: '2026-11-02T10:00:00.500Z' },
      'istiod-old',
    );
    const reconnected = status(
      { proxy: 'p.ns', routeSent: fresh, routeAcked: '', sentTime: '2026-11-02T10:00:09.100Z' },
      'istiod-new',
    );
    for (const order of [
      [[lingering], [reconnected]],
      [[reconnected], [lingering]],
    ]) {
      const merged = mergeReplicas(order);
      expect(merged.size).toBe(1);
      expect(merged.get('p.ns')).toMatchObject({ istiod: 'istiod-new', state: 'STALE' });
    }
  });

  it('compares sentTime at millisecond precision when the nonce times tie', () => {
    const a = status({
      proxy: 'p.ns',
      routeSent: nonce('2026-11-02T10:00:00Z/9'),
      sentTime: '2026-11-02T10:00:00.900Z',
    });
    const b = status(
      {
        proxy: 'p.ns',
        routeSent: nonce('2026-11-02T10:00:00Z/2'),
        sentTime: '2026-11-02T10:00:00.950Z',
      },
      'istiod-b',
    );
    expect(mergeReplicas([[a], [b]]).get('p.ns')?.istiod).toBe('istiod-b');
  });

  it('falls back to the nonce time, then counter, without the resources map', () => {
    const a = status({ proxy: 'p.ns', routeSent: old, routeAcked: old, noResources: true }, 'a');
    const b = status({ proxy: 'p.ns', routeSent: fresh, noResources: true }, 'b');
    expect(mergeReplicas([[b], [a]]).get('p.ns')?.istiod).toBe('b');
    const c = status(
      { proxy: 'p.ns', routeSent: nonce('2026-11-02T10:00:00Z/8'), noResources: true },
      'c',
    );
    expect(compareRoutePush(c, a)).toBeGreaterThan(0);
    expect(mergeReplicas([[a], [c]]).get('p.ns')?.istiod).toBe('c');
  });

  it('prefers a sent push over a fresh connection that has not been sent anything yet', () => {
    const lingering = status(
      { proxy: 'p.ns', routeSent: old, routeAcked: old, sentTime: '2026-11-02T10:00:00Z' },
      'old',
    );
    const connecting = status({ proxy: 'p.ns', sentTime: null }, 'new');
    expect(mergeReplicas([[connecting], [lingering]]).get('p.ns')?.istiod).toBe('old');
  });

  it('keeps distinct proxies of every replica', () => {
    const merged = mergeReplicas([
      [status({ proxy: 'a.ns' }, 'i1'), status({ proxy: 'b.ns' }, 'i1')],
      [status({ proxy: 'c.ns' }, 'i2')],
    ]);
    expect([...merged.keys()].sort()).toEqual(['a.ns', 'b.ns', 'c.ns']);
  });
});
