/**
 * The release lock: a `coordination.k8s.io/v1` Lease `switchyard-<service>` next to the
 * routing object (the VirtualService). One holder at a time; the holder renews it while working; another
 * identity may take it over only after it expired. Every write carries the resourceVersion
 * it read, so two contenders cannot both win.
 */
import {
  ConcurrentEditError,
  KubeApiError,
  LockHeldError,
  LockLostError,
  type ObjectRef,
} from '../errors.js';
import type { LeaseSpec } from '../kube/kube-types.js';
import type { Clock } from './clock.js';

/** The Lease fields switchyard uses. */
export interface LeaseObject {
  /** `coordination.k8s.io/v1`. */
  apiVersion: string;
  /** `Lease`. */
  kind: string;
  /** Metadata; `resourceVersion` guards every replace. */
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [field: string]: unknown;
  };
  /** Lease spec (microsecond times). */
  spec?: LeaseSpec;

  [field: string]: unknown;
}

/** Lease access the lock needs; `kube/` implements it over the API. */
export interface LeaseApi {
  /** The Lease, or undefined when it does not exist. */
  get(namespace: string, name: string): Promise<LeaseObject | undefined>;
  /** Creates it; fails with a KubeApiError of reason `AlreadyExists` when someone was first. */
  create(lease: LeaseObject): Promise<LeaseObject>;
  /** Replaces it; fails with ConcurrentEditError when `metadata.resourceVersion` is stale. */
  replace(lease: LeaseObject): Promise<LeaseObject>;
}

/** Options of a lock. */
export interface LeaseLockOptions {
  /** Lease access. */
  api: LeaseApi;
  /** Clock (renewal timing and expiry). */
  clock: Clock;
  /** Namespace of the Lease (the service's namespace). */
  namespace: string;
  /** Service whose releases the Lease guards; the Lease is `switchyard-<service>`. */
  service: string;
  /** This process's identity (pipeline id or host+pid). */
  holderIdentity: string;
  /** How long a claim is valid without renewal, in milliseconds. */
  leaseDurationMs: number;
}

/** A held lock. */
export interface LockHandle {
  /** Aborted with a LockLostError when the lock is lost while held. */
  readonly signal: AbortSignal;
  /** True when this identity took over a lease it already held (a resumed run). */
  readonly reacquired: boolean;
  /** True when the previous holder was another identity whose claim had expired. */
  readonly tookOverExpired: boolean;
  /** Releases the lock (clears the holder) and stops renewing. Safe to call twice. */
  release(): Promise<void>;
}

/** Name of the Lease guarding a service's releases. */
export function leaseName(service: string): string {
  return `switchyard-${service}`;
}

/** RFC 3339 with microseconds, the Lease MicroTime format (`.000000Z`). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** When a lease's current claim expires (ms since epoch), or undefined when it has no holder. */
export function leaseExpiry(lease: LeaseObject): number | undefined {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity) return undefined;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return 0;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
}

const MAX_CONTENTION_ROUNDS = 3;

/** A Lease-based lock for one service. */
export class LeaseLock {
  readonly #options: LeaseLockOptions;
  readonly #ref: ObjectRef;

  constructor(options: LeaseLockOptions) {
    this.#options = options;
    this.#ref = { kind: 'Lease', namespace: options.namespace, name: leaseName(options.service) };
  }

  /** The Lease this lock uses. */
  get lease(): ObjectRef {
    return this.#ref;
  }

  /**
   * Takes the lock: creates the Lease, or takes it when free, expired, or already held by
   * this identity. Throws LockHeldError naming the holder otherwise.
   */
  async acquire(): Promise<LockHandle> {
    const { api, clock, namespace, holderIdentity } = this.#options;
    const durationSeconds = Math.max(1, Math.ceil(this.#options.leaseDurationMs / 1000));
    for (let round = 0; round < MAX_CONTENTION_ROUNDS; round++) {
      const current = await api.get(namespace, this.#ref.name);
      const now = clock.now();
      if (!current) {
        try {
          const created = await api.create({
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name: this.#ref.name,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'switchyard' },
            },
            spec: {
              holderIdentity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          });
          return this.#hold(created, { reacquired: false, tookOverExpired: false });
        } catch (error) {
          if (error instanceof KubeApiError && error.reason === 'AlreadyExists') continue;
          throw error;
        }
      }
      const holder = current.spec?.holderIdentity ?? '';
      const expiry = leaseExpiry(current);
      const free = !holder || (expiry !== undefined && expiry <= now);
      if (holder !== holderIdentity && !free) {
        throw new LockHeldError(this.#ref, holder, new Date(expiry ?? now).toISOString());
      }
      const sameHolder = holder === holderIdentity;
      try {
        const updated = await api.replace({
          ...current,
          spec: {
            ...current.spec,
            holderIdentity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: sameHolder
              ? (current.spec?.acquireTime ?? microTime(now))
              : microTime(now),
            renewTime: microTime(now),
            leaseTransitions:
              (current.spec?.leaseTransitions ?? 0) + (sameHolder || !holder ? 0 : 1),
          },
        });
        return this.#hold(updated, {
          reacquired: sameHolder,
          tookOverExpired: !sameHolder && Boolean(holder),
        });
      } catch (error) {
        // Someone else wrote the Lease between our read and write: look again.
        if (error instanceof ConcurrentEditError) continue;
        throw error;
      }
    }
    const latest = await api.get(namespace, this.#ref.name);
    const holder = latest?.spec?.holderIdentity ?? 'unknown';
    throw new LockHeldError(
      this.#ref,
      holder,
      new Date(latest ? (leaseExpiry(latest) ?? 0) : 0).toISOString(),
    );
  }

  #hold(
    initial: LeaseObject,
    flags: { reacquired: boolean; tookOverExpired: boolean },
  ): LockHandle {
    const { api, clock, namespace, holderIdentity, leaseDurationMs } = this.#options;
    const controller = new AbortController();
    const stop = new AbortController();
    let lease = initial;
    let released = false;
    const ref = this.#ref;

    const lose = (message: string, holder?: string, cause?: unknown): void => {
      if (!controller.signal.aborted) {
        controller.abort(new LockLostError(ref, message, { ...(holder ? { holder } : {}), cause }));
      }
    };

    // Renew at a third of the duration so two missed renewals still leave time to notice.
    const renewEveryMs = Math.max(200, Math.floor(leaseDurationMs / 3));
    const renewLoop = async (): Promise<void> => {
      let lastRenewed = clock.now();
      while (!stop.signal.aborted) {
        try {
          await clock.sleep(renewEveryMs, stop.signal);
        } catch {
          return;
        }
        try {
          lease = await api.replace({
            ...lease,
            spec: { ...lease.spec, holderIdentity, renewTime: microTime(clock.now()) },
          });
          lastRenewed = clock.now();
        } catch (error) {
          if (error instanceof ConcurrentEditError) {
            const current = await api.get(namespace, ref.name).catch(() => undefined);
            if (current && current.spec?.holderIdentity === holderIdentity) {
              lease = current;
              continue;
            }
            lose(
              'another holder took the lease while this release was running',
              current?.spec?.holderIdentity,
              error,
            );
            return;
          }
          // Transient API trouble: keep trying while the claim is still valid.
          if (clock.now() - lastRenewed >= leaseDurationMs) {
            lose('could not renew the lease before it expired', undefined, error);
            return;
          }
        }
      }
    };
    void renewLoop();

    return {
      signal: controller.signal,
      reacquired: flags.reacquired,
      tookOverExpired: flags.tookOverExpired,
      release: async () => {
        if (released) return;
        released = true;
        stop.abort();
        if (controller.signal.aborted) return;
        try {
          const current = await api.get(namespace, ref.name);
          if (current && current.spec?.holderIdentity === holderIdentity) {
            await api.replace({ ...current, spec: { ...current.spec, holderIdentity: '' } });
          }
        } catch {
          // The claim expires on its own; a failed release only delays the next holder.
        }
      },
    };
  }
}
