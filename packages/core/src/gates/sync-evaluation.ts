/**
 * When does a proxy "have the change"? Pure rules over merged syncz statuses.
 *
 * "All SYNCED" right after a patch proves nothing: istiod debounces before it pushes, so
 * every proxy still shows its previous push as acked. A proxy has the change only when its
 * route config was pushed after the change AND it acked that push (docs/reference/istio.md
 * §1). Two ways to know "after the change":
 *
 * - a baseline: every proxy's route nonce (and `sentTime`) recorded just before the change.
 *   A proxy is synced when its route nonce differs from the baseline (or its `sentTime` is
 *   later) and that push is acked. A proxy absent from the baseline connected after it, and
 *   its first push carries the current config: it counts once acked == sent. Proxies that
 *   disappear simply stop counting.
 * - a time (`since`, resuming after a crash, when no baseline survived): a proxy is synced
 *   when acked == sent and that push was sent at or after the change time, minus
 *   {@link SINCE_TOLERANCE_MS}.
 *
 * "Pushed after the change" is necessary, not sufficient: a push istiod began before it saw
 * the change can reach a proxy after the baseline. When the change's routes are known, the
 * gate also requires the push to carry them (`push-fence.ts`: the `carries` predicate of
 * {@link evaluateSync}); the criteria here alone are the weaker, baseline-only rule.
 *
 * A proxy rejected the change when Envoy NACKed a push made after it: syncz shows ERROR
 * with Envoy's message. istiod clears `lastError` only on the next ack, so an error the
 * proxy already showed before the change may be left over from an older push while the new
 * one is still unanswered; syncz cannot tell that from a second rejection with the same
 * message. An error that is new since the baseline (or since the first poll, for a time
 * criterion) rejects the change at once; a leftover one only once the push after the change
 * has gone unanswered for {@link LEFTOVER_ERROR_GRACE_MS}.
 */
import type { ProxySyncState } from '../errors.js';
import type { ProxyRouteStatus } from './syncz-status.js';

/**
 * Slack subtracted from a change time before comparing istiod's push times with it, for
 * clock skew between the machine running switchyard and istiod's node. One second: NTP
 * keeps cluster clocks far closer, and a push for an earlier change arrived at least one
 * whole sync gate earlier, so a second of slack does not let an older push pass.
 */
export const SINCE_TOLERANCE_MS = 1_000;

/**
 * How long a push made after the change may stay unanswered while the proxy still shows the
 * rejection it showed before the change, before that counts as rejecting the change too.
 * Envoy answers a push in well under a second (seconds for a huge config); a proxy that is
 * merely slow and was already failing is reported as rejecting after this long.
 */
export const LEFTOVER_ERROR_GRACE_MS = 10_000;

/** A proxy's route push as the baseline recorded it. */
export interface BaselineEntry {
  /** Route nonce sent, `''` when none. */
  readonly sent: string;
  /** `sentTime` of that push, when syncz had it. */
  readonly sentAt: number | undefined;
  /** Envoy's rejection the proxy showed then, if any. */
  readonly lastError?: string | undefined;
}

/** What counts as "after the change". */
export type SyncCriterion =
  | {
      /** Compared against a snapshot taken just before the change. */
      readonly kind: 'baseline';
      /** When the snapshot was taken (ms since epoch, switchyard's clock). */
      readonly takenAt: number;
      /**
       * Whether every istiod replica answered for the snapshot. When one did not, its
       * proxies are missing from `proxies` and would pass as newcomers on their old
       * routes, so proxies absent from the baseline must then also show a push sent at or
       * after `takenAt` (minus the tolerance).
       */
      readonly complete: boolean;
      /** Route push of every proxy at snapshot time, by proxy id. */
      readonly proxies: ReadonlyMap<string, BaselineEntry>;
    }
  | {
      /** Compared against a time: the change was accepted at `changeAcceptedAt`. */
      readonly kind: 'since';
      /** When the change was accepted (ms since epoch). */
      readonly changeAcceptedAt: number;
    };

/** A baseline criterion from the statuses seen just before a change. */
export function baselineCriterion(
  statuses: Iterable<ProxyRouteStatus>,
  takenAt: number,
  complete: boolean,
): SyncCriterion {
  const proxies = new Map<string, BaselineEntry>();
  for (const status of statuses)
    proxies.set(status.proxy, {
      sent: status.sent,
      sentAt: status.sentAt,
      lastError: status.lastError,
    });
  return { kind: 'baseline', takenAt, complete, proxies };
}

/** A time criterion for a change accepted at `changeAcceptedAt`. */
export function sinceCriterion(changeAcceptedAt: number): SyncCriterion {
  return { kind: 'since', changeAcceptedAt };
}

/**
 * Whether the last route push was sent at or after `time - SINCE_TOLERANCE_MS`. `sentTime`
 * has millisecond precision; the nonce's push time only whole seconds (and is the push
 * context's creation, a moment before sending), so it is compared at second granularity.
 */
export function pushedSince(status: ProxyRouteStatus, time: number): boolean {
  const threshold = time - SINCE_TOLERANCE_MS;
  if (status.sentAt !== undefined) return status.sentAt >= threshold;
  if (status.nonceTime !== undefined)
    return Math.floor(status.nonceTime / 1000) >= Math.floor(threshold / 1000);
  return false;
}

/** Whether the proxy's current route push came after the change (acked or not). */
export function pushedAfterChange(status: ProxyRouteStatus, criterion: SyncCriterion): boolean {
  if (status.sent === '') return false;
  if (criterion.kind === 'since') return pushedSince(status, criterion.changeAcceptedAt);
  const before = criterion.proxies.get(status.proxy);
  if (!before) return criterion.complete || pushedSince(status, criterion.takenAt);
  if (status.sent !== before.sent) return true;
  return (
    status.sentAt !== undefined && before.sentAt !== undefined && status.sentAt > before.sentAt
  );
}

/** Whether the proxy has the change: pushed after it, and that push acked without error. */
export function hasChange(status: ProxyRouteStatus, criterion: SyncCriterion): boolean {
  return status.state === 'SYNCED' && pushedAfterChange(status, criterion);
}

/**
 * Whether the proxy rejected the change: Envoy NACKed a route push made after it (state
 * ERROR, the push after the change), with an error other than the one it already showed
 * before (`errorBefore`: from the baseline, or the first poll of a time criterion), or with
 * that same error once the push has been unanswered (`unansweredMs`, as far as the caller
 * has seen it) for {@link LEFTOVER_ERROR_GRACE_MS}.
 */
export function rejectedChange(
  status: ProxyRouteStatus,
  criterion: SyncCriterion,
  errorBefore: string | undefined,
  unansweredMs: number,
): boolean {
  if (status.state !== 'ERROR' || !pushedAfterChange(status, criterion)) return false;
  return status.lastError !== errorBefore || unansweredMs >= LEFTOVER_ERROR_GRACE_MS;
}

/**
 * What one wait remembers to judge rejections: the errors proxies showed at its first poll
 * (the "before" of a time criterion) and when each proxy's current route push was first
 * seen (how long it has been unanswered).
 */
export class RejectionWatch {
  readonly #criterion: SyncCriterion;
  readonly #errorsAtStart = new Map<string, string | undefined>();
  readonly #pushSeen = new Map<string, { sent: string; at: number }>();
  #polls = 0;

  constructor(criterion: SyncCriterion) {
    this.#criterion = criterion;
  }

  /** Records one poll's statuses, seen at `now` (ms since epoch). */
  observe(statuses: Iterable<ProxyRouteStatus>, now: number): void {
    this.#polls += 1;
    for (const status of statuses) {
      if (this.#pushSeen.get(status.proxy)?.sent !== status.sent)
        this.#pushSeen.set(status.proxy, { sent: status.sent, at: now });
      if (this.#polls === 1) this.#errorsAtStart.set(status.proxy, status.lastError);
    }
  }

  /** Ids of the pending proxies that rejected the change, as of `now`. */
  rejecting(pending: Iterable<ProxyRouteStatus>, now: number): Set<string> {
    const criterion = this.#criterion;
    const rejected = new Set<string>();
    for (const status of pending) {
      const before =
        criterion.kind === 'baseline'
          ? criterion.proxies.get(status.proxy)?.lastError
          : this.#errorsAtStart.get(status.proxy);
      const unanswered = now - (this.#pushSeen.get(status.proxy)?.at ?? now);
      if (rejectedChange(status, criterion, before, unanswered)) rejected.add(status.proxy);
    }
    return rejected;
  }
}

/**
 * State to report for a proxy that does not have the change yet. A proxy that acked a push
 * without the change (its pre-change push, or one istiod began before it saw the change) is
 * `NOT SENT` (the change was not sent to it), even though istioctl would print SYNCED for
 * it: it is synced to the old routes.
 */
export function pendingState(status: ProxyRouteStatus): ProxySyncState {
  return status.state === 'SYNCED' ? 'NOT SENT' : status.state;
}

/** Outcome of one evaluation. */
export interface SyncEvaluation {
  /** Proxies in scope that have the change. */
  synced: number;
  /** Proxies in scope. */
  total: number;
  /** Proxies in scope without the change, in input order. */
  pending: ProxyRouteStatus[];
}

/**
 * Counts the proxies in scope that have the change: pushed after it and acked
 * ({@link hasChange}), and, when `carries` is given, that push carries it (`push-fence.ts`).
 */
export function evaluateSync(
  statuses: Iterable<ProxyRouteStatus>,
  criterion: SyncCriterion,
  inScope: (status: ProxyRouteStatus) => boolean = () => true,
  carries: (status: ProxyRouteStatus) => boolean = () => true,
): SyncEvaluation {
  let synced = 0;
  let total = 0;
  const pending: ProxyRouteStatus[] = [];
  for (const status of statuses) {
    if (!inScope(status)) continue;
    total += 1;
    if (hasChange(status, criterion) && carries(status)) synced += 1;
    else pending.push(status);
  }
  return { synced, total, pending };
}

/**
 * Whether `synced` of `total` meets `requiredRatio` (in (0, 1]). No proxies in scope meets
 * any ratio: there is nothing to wait for (the engine warns about it).
 */
export function ratioMet(synced: number, total: number, requiredRatio: number): boolean {
  if (total === 0) return true;
  // ceil with a small epsilon so 0.9 * 10 does not become 9.000000000000002.
  return synced >= Math.ceil(requiredRatio * total - 1e-9);
}
