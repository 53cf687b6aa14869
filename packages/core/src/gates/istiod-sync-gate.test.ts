import { FakeClock } from '../release/fake-clock.js';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ConfigRejectedError,
  IstiodUnavailableError,
  LockLostError,
  SyncTimeoutError,
  UsageError,
} from '../errors.js';
import type { PodLister } from '../kube/resource-apis.js';
import type { ProxyScope, SyncProgress } from './sync-gate.js';
import { nonce, status } from './__fixtures__/syncz-fixtures.js';
import { IstiodSyncGate } from './istiod-sync-gate.js';
import type { DataplaneExpectation } from './dataplane-verifier.js';
import type { EnvoyRouteReader } from './envoy-route-reader.js';
import { LEFTOVER_ERROR_GRACE_MS } from './sync-evaluation.js';
import { FQDN, sidecarRouteConfig, splitRoute } from './__fixtures__/config-dump-fixtures.js';
import type { SynczPoll, SynczSource } from './syncz-source.js';
import type { ProxyRouteStatus } from './syncz-status.js';

const START = Date.parse('2026-11-21T12:00:00Z');

/**
 * A mesh driven by the test: each proxy has a current push (nonce + sentTime) and whether it
 * acked it; replicas can fail. `poll` renders syncz statuses at the fake clock's time.
 */
class FakeMesh implements SynczSource {
  readonly namespace = 'istio-system';
  readonly selector = 'app=istiod';
  readonly pollTimes: number[] = [];
  readonly proxies = new Map<
    string,
    {
      istiod: string;
      sent: string;
      acked: string;
      sentAt: number | undefined;
      error?: string;
      /** syncz `proxy_type`; `sidecar` when unset. */
      type?: string;
    }
  >();
  readonly replicas: string[] = ['istiod-a', 'istiod-b'];
  readonly failing = new Set<string>();
  closed = false;
  #counter = 0;
  /** Called at each poll before answering, to script changes. */
  onPoll: ((poll: number) => void) | undefined;

  constructor(readonly clock: FakeClock) {}

  /**
   * A proxy of `type` (its routes' pushes are RDS, or LDS for a waypoint: the fixture
   * writes the fields syncz has for that type).
   */
  add(id: string, istiod: string, acked = true, type?: string): void {
    this.proxies.set(id, { istiod, sent: '', acked: '', sentAt: undefined, type });
    this.push(id);
    if (acked) this.ack(id);
  }

  /** istiod sends a new route push to `id`. */
  push(id: string): void {
    const proxy = this.proxies.get(id)!;
    this.#counter += 1;
    const version = `${new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z')}/${this.#counter}`;
    proxy.sent = nonce(version, this.#counter);
    proxy.sentAt = this.clock.now();
  }

  pushAll(): void {
    for (const id of this.proxies.keys()) this.push(id);
  }

  /** Envoy acks the last push; istiod clears any earlier rejection. */
  ack(id: string): void {
    const proxy = this.proxies.get(id)!;
    proxy.acked = proxy.sent;
    delete proxy.error;
  }

  /** Envoy rejects the last push: istiod keeps the acked nonce and records the message. */
  nack(id: string, message: string): void {
    this.proxies.get(id)!.error = message;
  }

  poll(): Promise<SynczPoll> {
    this.pollTimes.push(this.clock.now());
    this.onPoll?.(this.pollTimes.length);
    const answers = this.replicas.map((istiod) => {
      if (this.failing.has(istiod))
        return { istiod, statuses: undefined, error: 'connection refused' };
      const statuses: ProxyRouteStatus[] = [];
      for (const [id, p] of this.proxies) {
        if (p.istiod !== istiod) continue;
        statuses.push(
          status(
            {
              proxy: id,
              ...(p.type ? { type: p.type } : {}),
              routeSent: p.sent,
              routeAcked: p.acked,
              sentTime: p.sentAt === undefined ? null : new Date(p.sentAt).toISOString(),
              ...(p.error ? { lastError: p.error } : {}),
            },
            istiod,
          ),
        );
      }
      return { istiod, statuses };
    });
    return Promise.resolve(
      answers.length === 0 ? { answers, problem: 'no Running istiod pod' } : { answers },
    );
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const noPods: PodLister = { list: () => Promise.resolve([]) };

/** The scope of most tests: every proxy. */
const EVERY_PROXY: ProxyScope = { sets: [{ namespaces: undefined, selector: undefined }] };

function setup(
  options: { requiredRatio?: number; random?: () => number; routes?: EnvoyRouteReader } = {},
) {
  const clock = new FakeClock({ start: START });
  const mesh = new FakeMesh(clock);
  const gate = new IstiodSyncGate({
    source: mesh,
    pods: noPods,
    routes: options.routes,
    sync: {
      pollIntervalMs: 500,
      requiredRatio: options.requiredRatio ?? 1,
    },
    clock,
    random: options.random ?? (() => 0.5),
  });
  return { clock, mesh, gate };
}

describe('IstiodSyncGate.waitForSync', () => {
  it('returns once every proxy of both replicas acked a push made after the snapshot', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.bookinfo', 'istiod-a');
    mesh.add('b.bookinfo', 'istiod-b');
    mesh.add('c.bookinfo', 'istiod-b');
    const snapshot = await gate.snapshot();
    // The change: istiod debounces, pushes to all on poll 2, acks trickle in.
    mesh.onPoll = (poll) => {
      if (poll === 2) mesh.pushAll();
      if (poll === 3) mesh.ack('a.bookinfo');
      if (poll === 4) mesh.ack('b.bookinfo');
      if (poll === 6) mesh.ack('c.bookinfo');
    };
    const progress: SyncProgress[] = [];
    const report = await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({ synced: 3, total: 3, istiodReplicas: 2 });
    // Poll 1 of the wait is mesh poll 2 (the snapshot was poll 1).
    expect(progress.map((p) => p.synced)).toEqual([0, 1, 2, 2, 3]);
    expect(progress[0]!.pending.map((p) => p.state)).toEqual(['STALE', 'STALE', 'STALE']);
    expect(progress.at(-1)!.pending).toEqual([]);
    expect(report.completedAt - report.startedAt).toBe(4 * 500);
  });

  it('does not return on "all SYNCED" before istiod pushed the change', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.bookinfo', 'istiod-a');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 5) {
        mesh.push('a.bookinfo');
        mesh.ack('a.bookinfo');
      }
    };
    const progress: number[] = [];
    await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p.synced),
    });
    expect(progress).toEqual([0, 0, 0, 1]);
  });

  it('times out naming every unsynced proxy, its istiod, state and waiting time', async () => {
    const { mesh, gate } = setup();
    mesh.add('fast.bookinfo', 'istiod-a');
    mesh.add('stuck.bookinfo', 'istiod-a');
    // Rejected a push before the change: the error stays until an ack, so while the new
    // push is unanswered it is ERROR with the old message (not a rejection of the change).
    mesh.add('rejecting.shop', 'istiod-b');
    mesh.push('rejecting.shop');
    mesh.nack('rejecting.shop', 'Proto constraint validation failed');
    mesh.add('late.bookinfo', 'istiod-b', false);
    mesh.proxies.delete('late.bookinfo');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('fast.bookinfo');
      }
      // Joins mid-wait and is never sent anything.
      if (poll === 4)
        mesh.proxies.set('late.bookinfo', {
          istiod: 'istiod-b',
          sent: '',
          acked: '',
          sentAt: undefined,
        });
    };
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncTimeoutError);
    const timeout = error as SyncTimeoutError;
    expect(timeout.synced).toBe(1);
    expect(timeout.total).toBe(4);
    expect(timeout.unsynced).toEqual([
      {
        proxy: 'rejecting.shop',
        istiod: 'istiod-b',
        state: 'ERROR',
        waitingMs: 5_000,
        lastError: 'Proto constraint validation failed',
      },
      {
        proxy: 'stuck.bookinfo',
        istiod: 'istiod-a',
        state: 'STALE',
        waitingMs: 5_000,
        lastError: undefined,
      },
      {
        proxy: 'late.bookinfo',
        istiod: 'istiod-b',
        state: 'NOT SENT',
        waitingMs: 4_000,
        lastError: undefined,
      },
    ]);
    expect(timeout.message).toContain('stuck.bookinfo (istiod istiod-a): STALE for 5.0s');
    expect(timeout.message).toContain('late.bookinfo (istiod istiod-b): NOT SENT for 4.0s');
  });

  it('fails fast when Envoy rejects the change, naming the proxy and its message', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('a.bookinfo', 'istiod-a');
    mesh.add('b.bookinfo', 'istiod-b');
    mesh.add('c.bookinfo', 'istiod-b');
    const snapshot = await gate.snapshot();
    const message =
      'The sum of weights of all weighted clusters of route primary exceeds 4294967295';
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('a.bookinfo');
      }
      if (poll === 4) mesh.nack('b.bookinfo', message);
    };
    const progress: string[] = [];
    const error = await gate
      .waitForSync(snapshot, {
        scope: EVERY_PROXY,
        timeoutMs: 120_000,
        onProgress: (p) => progress.push(p.pending.map((q) => `${q.proxy} ${q.state}`).join()),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    const rejected = error as ConfigRejectedError;
    expect(rejected.code).toBe('SWITCHYARD_CONFIG_REJECTED');
    expect(rejected.rejected).toEqual([
      {
        proxy: 'b.bookinfo',
        istiod: 'istiod-b',
        state: 'ERROR',
        waitingMs: 1_000,
        lastError: message,
      },
    ]);
    expect(rejected.unsynced.map((p) => `${p.proxy} ${p.state}`)).toEqual([
      'b.bookinfo ERROR',
      'c.bookinfo STALE',
    ]);
    expect(rejected).toMatchObject({ synced: 1, total: 3 });
    expect(rejected.message.split('\n')[0]).toBe(
      `proxy b.bookinfo (istiod istiod-b) rejected the new routes: ${message}; 1/3 proxies synced; rejected by:`,
    );
    // Reported by the poll that saw the rejection, not after the two-minute timeout.
    expect(progress.at(-1)).toBe('b.bookinfo ERROR,c.bookinfo STALE');
    expect(clock.now()).toBe(START + 2 * 500);
  });

  it('waits out rejections a required ratio below 1 tolerates, then fails when it cannot be met', async () => {
    const { mesh, gate } = setup({ requiredRatio: 0.5 });
    for (const id of ['a', 'b', 'c', 'd']) mesh.add(`${id}.ns`, 'istiod-a');
    const tolerated = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.nack('d.ns', 'rejected');
      }
      if (poll === 3) ['a.ns', 'b.ns'].forEach((id) => mesh.ack(id));
    };
    expect(
      await gate.waitForSync(tolerated, { scope: EVERY_PROXY, timeoutMs: 60_000 }),
    ).toMatchObject({
      synced: 2,
      total: 4,
    });

    const failing = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 6) mesh.pushAll();
      if (poll === 7) mesh.nack('a.ns', 'rejected');
      if (poll === 8) ['b.ns', 'c.ns'].forEach((id) => mesh.nack(id, 'rejected again'));
    };
    const error = await gate
      .waitForSync(failing, { scope: EVERY_PROXY, timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    // d.ns showed its error before this change: not counted as rejecting it. Three of four
    // rejected leave one at most, below half.
    expect((error as ConfigRejectedError).rejected.map((p) => p.proxy)).toEqual([
      'a.ns',
      'b.ns',
      'c.ns',
    ]);
  });

  it('takes an earlier rejection still shown after the grace as rejecting the change too', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    mesh.add('b.ns', 'istiod-b');
    mesh.push('a.ns');
    mesh.nack('a.ns', 'same message');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('b.ns');
      }
    };
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 120_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    expect((error as ConfigRejectedError).rejected).toEqual([
      expect.objectContaining({ proxy: 'a.ns', state: 'ERROR', lastError: 'same message' }),
    ]);
    // The push after the change was first seen at the first poll; rejected from the grace on.
    expect(clock.now()).toBe(START + LEFTOVER_ERROR_GRACE_MS);
  });

  it('lets a proxy with an earlier rejection sync when it acks the new push', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    mesh.push('a.ns');
    mesh.nack('a.ns', 'an older push was rejected');
    const snapshot = await gate.snapshot();
    const states: string[] = [];
    mesh.onPoll = (poll) => {
      if (poll === 2) mesh.push('a.ns');
      if (poll === 4) mesh.ack('a.ns');
    };
    const report = await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      onProgress: (p) => states.push(p.pending.map((q) => q.state).join() || 'done'),
    });
    expect(report).toMatchObject({ synced: 1, total: 1 });
    expect(states).toEqual(['ERROR', 'ERROR', 'done']);
  });

  it('counts a proxy that joins mid-wait once it acked its first push', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.bookinfo', 'istiod-a');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.add('new.bookinfo', 'istiod-b', false);
      }
      if (poll === 3) mesh.ack('a.bookinfo');
      if (poll === 5) mesh.ack('new.bookinfo');
    };
    const totals: string[] = [];
    const report = await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      onProgress: (p) => totals.push(`${p.synced}/${p.total}`),
    });
    expect(totals).toEqual(['0/2', '1/2', '1/2', '2/2']);
    expect(report.total).toBe(2);
  });

  it('meets a required ratio below 1 without the slowest proxies', async () => {
    const { mesh, gate } = setup({ requiredRatio: 0.6 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) mesh.add(`${id}.ns`, 'istiod-a');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) mesh.pushAll();
      if (poll === 3) ['a.ns', 'b.ns', 'c.ns'].forEach((id) => mesh.ack(id));
    };
    const report = await gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 60_000 });
    expect(report).toMatchObject({ synced: 3, total: 5 });
  });

  it('keeps the last known state of a replica that misses a poll', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    mesh.add('b.ns', 'istiod-b');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('b.ns');
      }
      // istiod-b drops out for two polls; b.ns keeps counting as synced meanwhile.
      if (poll === 3) mesh.failing.add('istiod-b');
      if (poll === 5) {
        mesh.failing.delete('istiod-b');
        mesh.ack('a.ns');
      }
    };
    const seen: string[] = [];
    await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      onProgress: (p) => seen.push(`${p.synced}/${p.total}`),
    });
    expect(seen).toEqual(['1/2', '1/2', '1/2', '2/2']);
  });

  it('does not declare success while a replica has never answered', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    mesh.add('b.ns', 'istiod-b');
    mesh.failing.add('istiod-b');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 4) {
        mesh.push('a.ns');
        mesh.ack('a.ns');
      }
    };
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 3_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IstiodUnavailableError);
    expect((error as Error).message).toMatch(/istiod istiod-b never answered/);
    expect((error as Error).message).toMatch(/1\/1 proxies of the other replicas synced/);
  });

  it('throws IstiodUnavailableError when no istiod answers for the whole timeout', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    const snapshot = await gate.snapshot();
    mesh.failing.add('istiod-a');
    mesh.failing.add('istiod-b');
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 2_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IstiodUnavailableError);
    expect(error).toMatchObject({ namespace: 'istio-system', selector: 'app=istiod' });
    expect((error as Error).message).toMatch(
      /no istiod answered \/debug\/syncz for 2\.0s: istiod-a: connection refused/,
    );
  });

  it('polls every interval ±10%, start to start, within the timeout', async () => {
    const randoms = [0, 0.9999, 0.5];
    let i = 0;
    const { mesh, gate } = setup({ random: () => randoms[i++ % randoms.length]! });
    mesh.add('a.ns', 'istiod-a', true);
    const snapshot = await gate.snapshot();
    await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 2_000 })
      .catch(() => undefined);
    // pollTimes[0] is the snapshot's poll.
    const waits = mesh.pollTimes.slice(1);
    const gaps = waits.slice(1).map((t, k) => Math.round(t - waits[k]!));
    expect(gaps.slice(0, 3)).toEqual([450, 550, 500]);
    expect(mesh.pollTimes.at(-1)).toBe(START + 2_000);
  });

  it('honours the abort signal, passing a switchyard reason through', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    const snapshot = await gate.snapshot();
    const controller = new AbortController();
    mesh.onPoll = (poll) => {
      if (poll === 3) controller.abort();
    };
    await expect(
      gate.waitForSync(snapshot, {
        scope: EVERY_PROXY,
        timeoutMs: 60_000,
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    const lost = new LockLostError({ kind: 'Lease', namespace: 'ns', name: 'l' }, 'lost');
    await expect(
      gate.waitForSync(snapshot, {
        scope: EVERY_PROXY,
        timeoutMs: 60_000,
        signal: AbortSignal.abort(lost),
      }),
    ).rejects.toBe(lost);
  });

  it('refuses a snapshot it did not make', async () => {
    const { gate } = setup();
    await expect(
      gate.waitForSync({ takenAt: 0 }, { scope: EVERY_PROXY, timeoutMs: 1 }),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('only counts proxies in scope', async () => {
    const { mesh, gate } = setup();
    const bookinfo: ProxyScope = { sets: [{ namespaces: ['bookinfo'], selector: undefined }] };
    mesh.add('a.bookinfo', 'istiod-a');
    mesh.add('stuck.other', 'istiod-b');
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('a.bookinfo');
      }
    };
    const report = await gate.waitForSync(snapshot, { scope: bookinfo, timeoutMs: 60_000 });
    expect(report).toMatchObject({ synced: 1, total: 1 });
  });
});

describe('IstiodSyncGate and the kinds of proxy of an ambient mesh', () => {
  const MIXED: ProxyScope = {
    sets: [
      { proxyTypes: ['sidecar'], namespaces: ['bookinfo'], selector: undefined },
      { proxyTypes: ['waypoint'], namespaces: ['bookinfo'], selector: undefined },
    ],
  };

  function mixedMesh() {
    const fixture = setup();
    fixture.mesh.add('caller-1.bookinfo', 'istiod-a');
    fixture.mesh.add('waypoint-1.bookinfo', 'istiod-a', true, 'waypoint');
    fixture.mesh.add('waypoint-2.bookinfo', 'istiod-b', true, 'waypoint');
    // ztunnel is never sent the change: it must not hold the gate.
    fixture.mesh.add('ztunnel-x.istio-system', 'istiod-b', true, 'ztunnel');
    return fixture;
  }

  it("gates on the sidecars' route pushes and every waypoint's listener pushes", async () => {
    const { mesh, gate } = mixedMesh();
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) mesh.pushAll();
      if (poll === 3) mesh.ack('caller-1.bookinfo');
      if (poll === 4) mesh.ack('waypoint-1.bookinfo');
      if (poll === 5) mesh.ack('waypoint-2.bookinfo');
    };
    const progress: number[] = [];
    const report = await gate.waitForSync(snapshot, {
      scope: MIXED,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p.synced),
    });
    expect(report).toMatchObject({ synced: 3, total: 3 });
    expect(progress).toEqual([0, 1, 2, 3]);
  });

  it('names a stuck waypoint when the wait times out', async () => {
    const { mesh, gate } = mixedMesh();
    const snapshot = await gate.snapshot();
    mesh.onPoll = (poll) => {
      if (poll === 2) {
        mesh.pushAll();
        mesh.ack('caller-1.bookinfo');
        mesh.ack('waypoint-1.bookinfo');
      }
    };
    const error = await gate
      .waitForSync(snapshot, { scope: MIXED, timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncTimeoutError);
    expect((error as SyncTimeoutError).unsynced).toEqual([
      {
        proxy: 'waypoint-2.bookinfo',
        istiod: 'istiod-b',
        state: 'STALE',
        waitingMs: 5_000,
        lastError: undefined,
      },
    ]);
  });

  it("fails fast with Envoy's message when a waypoint rejects the listener push", async () => {
    const { mesh, gate } = mixedMesh();
    const snapshot = await gate.snapshot();
    const message = 'Error adding/updating listener(s) main_internal: unknown field "x"';
    mesh.onPoll = (poll) => {
      if (poll === 2) mesh.pushAll();
      if (poll === 3) mesh.nack('waypoint-1.bookinfo', message);
    };
    const error = await gate
      .waitForSync(snapshot, { scope: MIXED, timeoutMs: 120_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    expect((error as ConfigRejectedError).rejected).toEqual([
      expect.objectContaining({ proxy: 'waypoint-1.bookinfo', state: 'ERROR', lastError: message }),
    ]);
  });
});

describe('IstiodSyncGate.snapshot', () => {
  it('throws IstiodUnavailableError when no replica answers', async () => {
    const { mesh, gate } = setup();
    mesh.failing.add('istiod-a');
    mesh.failing.add('istiod-b');
    await expect(gate.snapshot()).rejects.toThrow(/no istiod answered \/debug\/syncz/);
    expect(mesh.pollTimes).toHaveLength(3);
  });

  it('holds proxies of a replica missing from the snapshot to a push after it', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('a.ns', 'istiod-a');
    mesh.add('b.ns', 'istiod-b');
    await clock.advance(5_000);
    mesh.failing.add('istiod-b');
    const snapshot = await gate.snapshot();
    mesh.failing.delete('istiod-b');
    // b.ns is acked on its old push: without the time rule it would pass as a newcomer.
    mesh.onPoll = (poll) => {
      if (poll === 4 + 1) {
        mesh.push('a.ns');
        mesh.ack('a.ns');
      }
    };
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 3_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncTimeoutError);
    expect((error as SyncTimeoutError).unsynced.map((p) => p.proxy)).toEqual(['b.ns']);
    expect(clock.now()).toBe(START + 5_000 + 400 + 3_000);
  });
});

describe('IstiodSyncGate.since', () => {
  it('counts proxies acked on a push sent at or after the change time', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('old.ns', 'istiod-a');
    await clock.advance(10_000);
    const changeAt = clock.now();
    await clock.advance(300);
    mesh.add('new.ns', 'istiod-b');
    const snapshot = gate.since(changeAt);
    expect(snapshot.takenAt).toBe(changeAt);
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 1_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyncTimeoutError);
    const timeout = error as SyncTimeoutError;
    expect(timeout.synced).toBe(1);
    // Waiting counts from the change, not from the resumed run's start.
    expect(timeout.unsynced).toEqual([
      {
        proxy: 'old.ns',
        istiod: 'istiod-a',
        state: 'NOT SENT',
        waitingMs: 1_300,
        lastError: undefined,
      },
    ]);
  });
});

describe('IstiodSyncGate.since and rejections', () => {
  it('fails fast on a rejection seen during the wait, not on one already shown at its start', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('old-error.ns', 'istiod-a');
    mesh.add('fresh-error.ns', 'istiod-b');
    const changeAt = clock.now();
    await clock.advance(200);
    mesh.pushAll();
    // Already ERROR when the resumed run looks: maybe the change, maybe an older push.
    mesh.nack('old-error.ns', 'left over');
    const snapshot = gate.since(changeAt);
    mesh.onPoll = (poll) => {
      if (poll === 3) mesh.nack('fresh-error.ns', 'rejected the change');
    };
    const error = await gate
      .waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigRejectedError);
    expect((error as ConfigRejectedError).rejected.map((p) => p.proxy)).toEqual(['fresh-error.ns']);
    expect(clock.now()).toBe(START + 200 + 2 * 500);
  });
});

describe('IstiodSyncGate.currentStatus', () => {
  it('summarises istioctl states of the proxies in scope', async () => {
    const { clock, mesh, gate } = setup();
    mesh.add('ok.ns', 'istiod-a');
    mesh.add('stale.ns', 'istiod-b', false);
    await clock.advance(4_000);
    const stale = {
      proxy: 'stale.ns',
      istiod: 'istiod-b',
      state: 'STALE',
      waitingMs: 4_000,
      lastError: undefined,
    };
    expect(await gate.currentStatus(EVERY_PROXY)).toEqual({
      synced: 1,
      total: 2,
      istiodReplicas: 2,
      notSynced: [stale],
    });
    // istiod-b is down now: its proxies keep their last known state.
    mesh.failing.add('istiod-b');
    expect(await gate.currentStatus(EVERY_PROXY)).toEqual({
      synced: 1,
      total: 2,
      istiodReplicas: 1,
      notSynced: [stale],
    });
  });

  it('throws IstiodUnavailableError when no replica answers', async () => {
    const { mesh, gate } = setup();
    mesh.failing.add('istiod-a');
    mesh.failing.add('istiod-b');
    await expect(gate.currentStatus(EVERY_PROXY)).rejects.toBeInstanceOf(IstiodUnavailableError);
  });

  it('closes its source', async () => {
    const { mesh, gate } = setup();
    await gate.close();
    expect(mesh.closed).toBe(true);
  });
});

describe("IstiodSyncGate.waitForSync with the change's routes (push fence)", () => {
  const expectation: DataplaneExpectation = {
    host: FQDN,
    port: 9080,
    weights: { blue: 80, green: 20 },
    routeName: 'primary',
    headerRoute: { name: 'switchyard-reviews-prerelease', present: false },
  };
  const routesWith = (weights: Record<string, number>) => ({
    configs: [sidecarRouteConfig([splitRoute(weights, { name: 'primary' })])],
  });

  /**
   * istiod pushes twice after the snapshot: first from a context begun before it saw the
   * change (old routes), acked at once, then the change at poll 4. The route reader answers
   * what each proxy acked.
   */
  function busyMesh() {
    const carrying = new Set<string>();
    const routes: EnvoyRouteReader = (proxy) => {
      const acked = mesh.proxies.get(`${proxy.pod}.${proxy.namespace}`)?.acked ?? '';
      return Promise.resolve(
        routesWith(carrying.has(acked) ? { blue: 80, green: 20 } : { blue: 90, green: 10 }),
      );
    };
    const { mesh, gate } = setup({ routes });
    mesh.add('a.bookinfo', 'istiod-a');
    mesh.add('b.bookinfo', 'istiod-a');
    mesh.add('c.bookinfo', 'istiod-b');
    mesh.onPoll = (poll) => {
      if (poll === 2)
        for (const id of mesh.proxies.keys()) {
          mesh.push(id);
          mesh.ack(id);
        }
      if (poll === 4)
        for (const id of mesh.proxies.keys()) {
          mesh.push(id);
          mesh.ack(id);
          carrying.add(mesh.proxies.get(id)!.sent);
        }
    };
    return { mesh, gate };
  }

  it('does not count acked pushes that lack the change; counts them once a sentinel proves a push carries it', async () => {
    const { gate } = busyMesh();
    const snapshot = await gate.snapshot();
    const progress: number[] = [];
    await gate.waitForSync(snapshot, {
      scope: EVERY_PROXY,
      timeoutMs: 60_000,
      expectation,
      onProgress: (p) => progress.push(p.synced),
    });
    // Poll 4 reads one sentinel per replica (the fake mesh numbers each proxy's push: b has
    // the newest of istiod-a); poll 5 confirms their acks held and reads a, below b's fence;
    // poll 6 lowers istiod-a's fence to a's push.
    expect(progress).toEqual([0, 0, 0, 2, 3]);
  });

  it('without the routes (the baseline-only rule) returns on the push that lacks the change', async () => {
    const { gate } = busyMesh();
    const snapshot = await gate.snapshot();
    const report = await gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 60_000 });
    expect(report).toMatchObject({ synced: 3, total: 3 });
    expect(report.completedAt - report.startedAt).toBe(0);
  });

  it('refuses an expectation when built without a route reader', async () => {
    const { mesh, gate } = setup();
    mesh.add('a.bookinfo', 'istiod-a');
    const snapshot = await gate.snapshot();
    await expect(
      gate.waitForSync(snapshot, { scope: EVERY_PROXY, timeoutMs: 1000, expectation }),
    ).rejects.toThrow(UsageError);
  });
});
