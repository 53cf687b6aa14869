/**
 * Differential fidelity, object shapes: the Lease switchyard's lock writes and the Events
 * its core records, written by core's own `KubeClient` to the simulator and to the real
 * kube-apiserver, then read back raw from both: after normalizing what each server
 * generates, the objects must be identical (defaults, time formats, fields the server adds
 * or drops). The lock's behaviour (refusal of a second holder, release, hand-over) must be
 * the same too.
 */
import { LockHeldError } from '@switchyard/core/errors';
import {
  buildEvent,
  FakeClock,
  KubeClient,
  LeaseLock,
  loadKubeconfig,
  type LockHandle,
} from '@switchyard/core/internal-testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiPair, type ApiPair } from './differential/api-pair.js';
import { normalize } from './differential/normalize.js';
import type { RawApi } from './differential/raw-api.js';

const NS = 'differential-objects';
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const EVENTS = `/api/v1/namespaces/${NS}/events`;
const START = Date.parse('2026-11-21T12:00:00.123Z');

let pair: ApiPair;
let clients: { sim: KubeClient; real: KubeClient };

beforeAll(async () => {
  pair = await startApiPair(inject('realCluster'), NS);
  const client = (path: string): KubeClient =>
    new KubeClient({ kubeConfig: loadKubeconfig({ path }).kubeConfig });
  clients = {
    sim: client(pair.simBed.sim.kubeconfigPath),
    real: client(inject('realCluster').kubeconfig),
  };
});
afterAll(async () => {
  await pair?.stop();
});

async function getBoth(path: string): Promise<{ sim: unknown; real: unknown }> {
  const read = async (api: RawApi): Promise<unknown> => {
    const response = await api.request('GET', path);
    expect(response.status, `${api.name}: ${response.text}`).toBe(200);
    return normalize(response.body);
  };
  return { sim: await read(pair.sim), real: await read(pair.real) };
}

async function expectSameObject(path: string): Promise<unknown> {
  const both = await getBoth(path);
  expect(both.sim).toEqual(both.real);
  return both.real;
}

describe('the Lease as the release lock writes it', () => {
  /** The same lock story on one server; returns the Lease after each step and the refusal. */
  async function lockStory(side: 'sim' | 'real'): Promise<unknown[]> {
    const api = pair[side];
    const clock = new FakeClock({ start: START, auto: false });
    const lock = (holderIdentity: string): LeaseLock =>
      new LeaseLock({
        api: clients[side].leases,
        clock,
        namespace: NS,
        service: 'reviews',
        holderIdentity,
        leaseDurationMs: 15_000,
      });
    const read = async (): Promise<unknown> =>
      normalize((await api.request('GET', `${LEASES}/switchyard-reviews`)).body);
    const steps: unknown[] = [];
    const first: LockHandle = await lock('pipeline-a').acquire();
    steps.push(await read());
    // One renewal: a third of the duration later.
    await clock.advance(5_000);
    await waitForRenewal(api, 'pipeline-a', '2026-11-21T12:00:05.123000Z');
    steps.push(await read());
    const refused = await lock('pipeline-b')
      .acquire()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LockHeldError);
    steps.push((refused as Error).message);
    await first.release();
    steps.push(await read());
    await clock.advance(1_000);
    const second = await lock('pipeline-b').acquire();
    steps.push(await read());
    await second.release();
    steps.push(await read());
    return steps;
  }

  async function waitForRenewal(api: RawApi, holder: string, renewTime: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const lease = (await api.request('GET', `${LEASES}/switchyard-reviews`)).body as {
        spec?: { holderIdentity?: string; renewTime?: string };
      };
      if (lease.spec?.holderIdentity === holder && lease.spec.renewTime === renewTime) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${api.name}: the lock did not renew to ${renewTime}`);
  }

  it('is created, renewed, refused to a second holder, released and handed over identically', async () => {
    const sim = await lockStory('sim');
    const real = await lockStory('real');
    expect(sim).toEqual(real);
    // What the story shows on the real server, so a change on both sides is noticed too.
    expect(real[0]).toMatchObject({
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'switchyard' } },
      spec: {
        holderIdentity: 'pipeline-a',
        leaseDurationSeconds: 15,
        acquireTime: '2026-11-21T12:00:00.123000Z',
        renewTime: '2026-11-21T12:00:00.123000Z',
        leaseTransitions: 0,
      },
    });
    expect(real[3]).toMatchObject({ spec: { holderIdentity: '' } });
  });

  it('carries managedFields on the real server only (kept: the simulator tracks no field managers)', async () => {
    const raw = {
      sim: (await pair.sim.request('GET', `${LEASES}/switchyard-reviews`)).body,
      real: (await pair.real.request('GET', `${LEASES}/switchyard-reviews`)).body,
    } as { sim: { metadata: object }; real: { metadata: object } };
    expect(raw.real.metadata).toMatchObject({
      managedFields: expect.arrayContaining([
        expect.objectContaining({ manager: 'switchyard', operation: 'Update' }),
      ]),
    });
    expect(raw.sim.metadata).not.toHaveProperty('managedFields');
  });

  it('rewrites MicroTimes in UTC; a Lease without a spec gets an empty one', async () => {
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'offsets' },
      spec: {
        holderIdentity: 'someone',
        leaseDurationSeconds: 30,
        acquireTime: '2026-11-21T13:00:00.250000+01:00',
        renewTime: '2026-11-21T12:00:00,123456Z',
      },
    };
    const created = await pair.both('POST', LEASES, { body });
    expect(normalize(created.sim.body)).toEqual(normalize(created.real.body));
    expect(created.real.body).toMatchObject({
      spec: {
        acquireTime: '2026-11-21T12:00:00.250000Z',
        renewTime: '2026-11-21T12:00:00.123456Z',
      },
    });
    await expectSameObject(`${LEASES}/offsets`);

    const bare = await pair.both('POST', LEASES, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'bare' } },
    });
    expect(normalize(bare.sim.body)).toEqual(normalize(bare.real.body));
    expect(bare.real.body).toMatchObject({ spec: {} });

    // CoordinatedLeaderElection is off by default: the strategy fields are dropped, unchecked.
    const strategic = await pair.both('POST', LEASES, {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'strategic' },
        spec: { holderIdentity: 'a', strategy: 'Fastest', preferredHolder: 'b' },
      },
    });
    expect(strategic.real.status).toBe(201);
    expect(normalize(strategic.sim.body)).toEqual(normalize(strategic.real.body));
    expect((strategic.real.body as { spec: object }).spec).toEqual({ holderIdentity: 'a' });
  });
});

describe('Events as core records them', () => {
  const record = (reason: string, uid?: string) => ({
    involvedObject: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: NS, ...(uid ? { uid } : {}) },
    },
    type: 'Normal' as const,
    reason,
    message: `${reason}: blue 80 / green 20`,
  });

  it('an Event from core’s Event recorder reads back the same', async () => {
    const written = {
      sim: await clients.sim.events.create(record('StepApplied')),
      real: await clients.real.events.create(record('StepApplied')),
    };
    const name = (event: { metadata: { name?: string } }): string => event.metadata.name ?? '';
    const both = {
      sim: normalize((await pair.sim.request('GET', `${EVENTS}/${name(written.sim)}`)).body),
      real: normalize((await pair.real.request('GET', `${EVENTS}/${name(written.real)}`)).body),
    };
    // Each name carries its own creation time; each Event its own second.
    const sameNameAndTime = (event: unknown): unknown => ({
      ...(event as Record<string, unknown>),
      metadata: { ...(event as { metadata: object }).metadata, name: '<name>' },
      firstTimestamp: '<time>',
      lastTimestamp: '<time>',
    });
    expect(sameNameAndTime(both.sim)).toEqual(sameNameAndTime(both.real));
    expect(both.real).toMatchObject({
      firstTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      source: { component: 'switchyard' },
      reportingComponent: 'switchyard',
    });
  });

  it('an Event with a uid, a reporting instance and a time with milliseconds', async () => {
    const body = buildEvent(record('RolledBack', '0b4c3f0e-1111-4222-8333-444455556666'), {
      time: new Date('2026-11-21T12:00:00.987Z'),
      instance: 'pipeline-a',
      random: () => 0.25,
    });
    // A hand-written client may send milliseconds: metav1.Time keeps seconds.
    const withMillis = { ...body, lastTimestamp: '2026-11-21T12:00:00.987Z' };
    const created = await pair.both('POST', `${EVENTS}?fieldManager=switchyard`, {
      body: withMillis,
    });
    expect(created.real.status).toBe(201);
    expect(normalize(created.sim.body)).toEqual(normalize(created.real.body));
    expect(created.real.body).toMatchObject({
      lastTimestamp: '2026-11-21T12:00:00Z',
      eventTime: null,
      reportingInstance: 'pipeline-a',
    });
    await expectSameObject(`${EVENTS}/${body.metadata.name}`);
  });

  it('an Event with only an involved object gets Go’s zero values back', async () => {
    const created = await pair.both('POST', EVENTS, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'sparse.1' },
        involvedObject: { namespace: NS },
        count: 0,
        reason: '',
      },
    });
    expect(created.real.status).toBe(201);
    expect(normalize(created.sim.body)).toEqual(normalize(created.real.body));
    expect(created.real.body).toMatchObject({
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
    expect(created.real.body).not.toHaveProperty('count');
    expect(created.real.body).not.toHaveProperty('reason');
  });

  it('a merge patch with a millisecond time and an unknown field: stored to the second, warned about', async () => {
    const name = buildEvent(record('Patched'), { time: new Date(START), random: () => 0.5 })
      .metadata.name;
    await pair.both('POST', EVENTS, {
      body: buildEvent(record('Patched'), { time: new Date(START), random: () => 0.5 }),
    });
    const patched = await pair.both('PATCH', `${EVENTS}/${name}`, {
      body: { lastTimestamp: '2026-11-21T12:05:00.750Z', note: 'extra' },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.real.status).toBe(200);
    expect(patched.real.warnings).toEqual(['unknown field "note"']);
    expect(patched.sim.warnings).toEqual(patched.real.warnings);
    expect(normalize(patched.sim.body)).toEqual(normalize(patched.real.body));
    expect(patched.real.body).toMatchObject({ lastTimestamp: '2026-11-21T12:05:00Z' });
  });

  it('lists Events by involved object with the same field selector', async () => {
    const selector = encodeURIComponent(
      'involvedObject.kind=VirtualService,involvedObject.name=reviews,reason=RolledBack',
    );
    const listed = await pair.both('GET', `${EVENTS}?fieldSelector=${selector}`);
    expect(normalize(listed.sim.body)).toEqual(normalize(listed.real.body));
    expect((listed.real.body as { items: unknown[] }).items).toHaveLength(1);
  });
});
