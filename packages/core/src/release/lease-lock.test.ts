import { FakeClock } from './fake-clock.js';
import { describe, expect, it } from 'vitest';
import { ConcurrentEditError, KubeApiError, LockHeldError, LockLostError } from '../errors.js';
import {
  LeaseLock,
  leaseExpiry,
  microTime,
  type LeaseApi,
  type LeaseObject,
} from './lease-lock.js';

/** An in-memory Lease API with the API server's resourceVersion and AlreadyExists rules. */
class MemoryLeases implements LeaseApi {
  readonly objects = new Map<string, LeaseObject>();
  #rv = 0;
  writes = 0;

  get(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const lease = this.objects.get(`${namespace}/${name}`);
    return Promise.resolve(lease ? structuredClone(lease) : undefined);
  }

  create(lease: LeaseObject): Promise<LeaseObject> {
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    if (this.objects.has(key)) {
      return Promise.reject(
        new KubeApiError('exists', { statusCode: 409, reason: 'AlreadyExists', verb: 'create' }),
      );
    }
    return Promise.resolve(this.#store(key, lease));
  }

  replace(lease: LeaseObject): Promise<LeaseObject> {
    const key = `${lease.metadata.namespace}/${lease.metadata.name}`;
    const current = this.objects.get(key);
    if (!current || current.metadata.resourceVersion !== lease.metadata.resourceVersion) {
      return Promise.reject(
        new ConcurrentEditError('conflict', {
          statusCode: 409,
          reason: 'Conflict',
          verb: 'update',
        }),
      );
    }
    return Promise.resolve(this.#store(key, lease));
  }

  #store(key: string, lease: LeaseObject): LeaseObject {
    this.writes++;
    const stored = structuredClone({
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(++this.#rv) },
    });
    this.objects.set(key, stored);
    return structuredClone(stored);
  }
}

function lockFor(
  api: LeaseApi,
  clock: FakeClock,
  holderIdentity: string,
  leaseDurationMs = 30_000,
): LeaseLock {
  return new LeaseLock({
    api,
    clock,
    namespace: 'bookinfo',
    service: 'reviews',
    holderIdentity,
    leaseDurationMs,
  });
}

describe('LeaseLock', () => {
  it('creates the Lease with the holder and a microsecond timestamp', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const handle = await lockFor(api, clock, 'pipeline-a').acquire();
    const lease = api.objects.get('bookinfo/switchyard-reviews');
    expect(lease?.spec?.holderIdentity).toBe('pipeline-a');
    expect(lease?.spec?.leaseDurationSeconds).toBe(30);
    expect(lease?.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(handle.reacquired).toBe(false);
    await handle.release();
  });

  it('refuses a second holder, naming the holder and the expiry', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const first = await lockFor(api, clock, 'pipeline-a').acquire();
    const attempt = lockFor(api, clock, 'pipeline-b').acquire();
    await expect(attempt).rejects.toBeInstanceOf(LockHeldError);
    await expect(attempt).rejects.toThrow(
      `Lease bookinfo/switchyard-reviews is held by "pipeline-a" until ${new Date(clock.now() + 30_000).toISOString()}`,
    );
    await first.release();
  });

  it('lets the same identity take its own lease again (resume after a crash)', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    await lockFor(api, clock, 'pipeline-a').acquire(); // never released: the process "crashed"
    const again = await lockFor(api, clock, 'pipeline-a').acquire();
    expect(again.reacquired).toBe(true);
    expect(api.objects.get('bookinfo/switchyard-reviews')?.spec?.leaseTransitions).toBe(0);
    await again.release();
  });

  it('takes over an expired lease of another holder, and only then', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    await api.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'switchyard-reviews', namespace: 'bookinfo' },
      spec: {
        holderIdentity: 'crashed',
        leaseDurationSeconds: 30,
        renewTime: microTime(clock.now() - 10_000),
      },
    });
    await expect(lockFor(api, clock, 'pipeline-b').acquire()).rejects.toBeInstanceOf(LockHeldError);
    await clock.advance(20_001);
    const handle = await lockFor(api, clock, 'pipeline-b').acquire();
    expect(handle.tookOverExpired).toBe(true);
    const lease = api.objects.get('bookinfo/switchyard-reviews');
    expect(lease?.spec?.holderIdentity).toBe('pipeline-b');
    expect(lease?.spec?.leaseTransitions).toBe(1);
    await handle.release();
  });

  it('lets exactly one of two concurrent contenders win', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const results = await Promise.allSettled([
      lockFor(api, clock, 'pipeline-a').acquire(),
      lockFor(api, clock, 'pipeline-b').acquire(),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(LockHeldError);
    await (won[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it('renews while held so the claim does not expire', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const handle = await lockFor(api, clock, 'pipeline-a', 3_000).acquire();
    await clock.advance(10_000);
    const lease = api.objects.get('bookinfo/switchyard-reviews') as LeaseObject;
    expect((leaseExpiry(lease) ?? 0) > clock.now()).toBe(true);
    await expect(lockFor(api, clock, 'pipeline-b', 3_000).acquire()).rejects.toBeInstanceOf(
      LockHeldError,
    );
    expect(handle.signal.aborted).toBe(false);
    await handle.release();
  });

  it('signals loss when another holder overwrote the lease', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const handle = await lockFor(api, clock, 'pipeline-a', 3_000).acquire();
    const current = api.objects.get('bookinfo/switchyard-reviews') as LeaseObject;
    await api.replace({ ...current, spec: { ...current.spec, holderIdentity: 'intruder' } });
    await clock.advance(1_100);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handle.signal.aborted).toBe(true);
    expect(handle.signal.reason).toBeInstanceOf(LockLostError);
    expect((handle.signal.reason as LockLostError).holder).toBe('intruder');
    await handle.release();
    expect(api.objects.get('bookinfo/switchyard-reviews')?.spec?.holderIdentity).toBe('intruder');
  });

  it('clears the holder on release so the next pipeline need not wait', async () => {
    const api = new MemoryLeases();
    const clock = new FakeClock({ auto: false });
    const handle = await lockFor(api, clock, 'pipeline-a').acquire();
    await handle.release();
    expect(api.objects.get('bookinfo/switchyard-reviews')?.spec?.holderIdentity).toBe('');
    const next = await lockFor(api, clock, 'pipeline-b').acquire();
    expect(next.tookOverExpired).toBe(false);
    await next.release();
  });
});
