/**
 * Failures of the gates: istiod and proxy sync, the data-plane verifier, Prometheus and
 * the metric checks.
 */
import { describeRef, SwitchyardError, type ObjectRef } from './switchyard-error.js';

/** No Running istiod pod was found, or none answered `/debug/syncz`. */
export class IstiodUnavailableError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ISTIOD_UNAVAILABLE';
  /** Namespace searched. */
  readonly namespace: string;
  /** Label selector used. */
  readonly selector: string;

  constructor(namespace: string, selector: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.namespace = namespace;
    this.selector = selector;
  }

  override details(): Record<string, unknown> {
    return { namespace: this.namespace, selector: this.selector };
  }
}

/** Per-proxy sync status with istioctl's names. */
export type ProxySyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'ERROR';

/** A proxy that had not received and acknowledged the change in time. */
export interface UnsyncedProxy {
  /** Proxy id, `<pod>.<namespace>`. */
  proxy: string;
  /** istiod pod it is connected to. */
  istiod: string;
  /** Route status as istioctl would print it. */
  state: ProxySyncState;
  /** How long it has been waiting for the change, in milliseconds. */
  waitingMs: number;
  /** Envoy's error, when it rejected the config. */
  lastError?: string | undefined;
}

/** Proxies did not acknowledge a route change before the timeout. */
export class SyncTimeoutError extends SwitchyardError {
  readonly code = 'SWITCHYARD_SYNC_TIMEOUT';
  /** Every proxy not synced. */
  readonly unsynced: readonly UnsyncedProxy[];
  /** Proxies synced at timeout. */
  readonly synced: number;
  /** Proxies in scope. */
  readonly total: number;
  /** Timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(fields: {
    unsynced: readonly UnsyncedProxy[];
    synced: number;
    total: number;
    timeoutMs: number;
    /** Why acked pushes of some replicas did not count (the sync gate's push fence). */
    unproven?: string | undefined;
  }) {
    const list = fields.unsynced
      .map(
        (p) =>
          `  ${p.proxy} (istiod ${p.istiod}): ${p.state} for ${(p.waitingMs / 1000).toFixed(1)}s` +
          (p.lastError ? `, error: ${p.lastError}` : ''),
      )
      .join('\n');
    super(
      `proxy sync timed out after ${(fields.timeoutMs / 1000).toFixed(1)}s: ` +
        `${fields.synced}/${fields.total} proxies synced; not synced:\n${list}` +
        (fields.unproven ? `\n${fields.unproven}` : ''),
    );
    this.unsynced = fields.unsynced;
    this.synced = fields.synced;
    this.total = fields.total;
    this.timeoutMs = fields.timeoutMs;
  }

  override details(): Record<string, unknown> {
    return {
      unsynced: this.unsynced,
      synced: this.synced,
      total: this.total,
      timeoutMs: this.timeoutMs,
    };
  }
}

/**
 * Envoy rejected (NACKed) the routes pushed after a change: istiod's syncz shows the proxy's
 * route status as ERROR with Envoy's message, and the acked nonce stays on the previous push.
 * The proxy keeps serving its previous routes and will not take these ones; waiting longer
 * cannot help, so the sync gate reports it as soon as the rejections make the required share
 * of synced proxies unreachable, instead of timing out.
 */
export class ConfigRejectedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_CONFIG_REJECTED';
  /** The proxies that rejected the change, each with Envoy's message (`lastError`). */
  readonly rejected: readonly UnsyncedProxy[];
  /** Every proxy in scope without the change at that moment (the rejected ones included). */
  readonly unsynced: readonly UnsyncedProxy[];
  /** Proxies in scope that had the change. */
  readonly synced: number;
  /** Proxies in scope. */
  readonly total: number;

  constructor(fields: {
    rejected: readonly UnsyncedProxy[];
    unsynced: readonly UnsyncedProxy[];
    synced: number;
    total: number;
  }) {
    const first = fields.rejected[0];
    const more = fields.rejected.length - 1;
    const headline = first
      ? `proxy ${first.proxy} (istiod ${first.istiod}) rejected the new routes: ${first.lastError ?? 'no message'}` +
        (more > 0 ? ` (and ${more} more prox${more === 1 ? 'y' : 'ies'})` : '')
      : 'proxies rejected the new routes';
    const list = fields.rejected
      .map((p) => `  ${p.proxy} (istiod ${p.istiod}): ${p.lastError ?? 'no message'}`)
      .join('\n');
    super(`${headline}; ${fields.synced}/${fields.total} proxies synced; rejected by:\n${list}`);
    this.rejected = fields.rejected;
    this.unsynced = fields.unsynced;
    this.synced = fields.synced;
    this.total = fields.total;
  }

  override details(): Record<string, unknown> {
    return {
      rejected: this.rejected,
      unsynced: this.unsynced,
      synced: this.synced,
      total: this.total,
    };
  }
}

/** One parent's verdict on a route, as its controller (istiod) reported it. */
export interface RouteParentVerdict {
  /** The parent as the route names it (`Service bookinfo/reviews:9080`, `Gateway bookinfo/ingress`). */
  parent: string;
  /** The condition that is not true (`Accepted`, `ResolvedRefs`); undefined when none was reported. */
  condition?: string | undefined;
  /** Its reason (`BackendNotFound`). */
  reason?: string | undefined;
  /** The controller's message (`backend(reviews-green.bookinfo.svc.cluster.local) not found`). */
  message?: string | undefined;
}

/**
 * The control plane did not accept a route change: for a Gateway API route, istiod's status
 * for a parent says `Accepted` or `ResolvedRefs` is false at the generation written (a
 * backend Service missing, a parent refused), or it reported nothing for that generation
 * within the time allowed. No proxy will get routes istiod refused, so the sync gate is not
 * waited for.
 */
export class RouteNotAcceptedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROUTE_NOT_ACCEPTED';
  /** The route. */
  readonly object: ObjectRef;
  /** The generation written. */
  readonly generation: number;
  /** The parents that refused it, or did not report (the timed-out case). */
  readonly parents: readonly RouteParentVerdict[];
  /** True when the controller reported nothing for the generation in time. */
  readonly timedOut: boolean;

  constructor(fields: {
    object: ObjectRef;
    generation: number;
    parents: readonly RouteParentVerdict[];
    timedOut: boolean;
    timeoutMs?: number | undefined;
  }) {
    const first = fields.parents[0];
    const headline = fields.timedOut
      ? `istiod reported no status for generation ${fields.generation} of ${describeRef(fields.object)} within ${Math.round((fields.timeoutMs ?? 0) / 1000)}s` +
        (fields.parents.length > 0
          ? ` (waiting for ${fields.parents.map((p) => p.parent).join(', ')})`
          : '')
      : `istiod refused ${describeRef(fields.object)} (generation ${fields.generation}) for ${first?.parent ?? 'a parent'}: ` +
        `${first?.condition ?? 'condition'} ${first?.reason ? `${first.reason}: ` : ''}${first?.message ?? 'no message'}`;
    super(headline);
    this.object = fields.object;
    this.generation = fields.generation;
    this.parents = fields.parents;
    this.timedOut = fields.timedOut;
  }

  override details(): Record<string, unknown> {
    return {
      object: this.object,
      generation: this.generation,
      parents: this.parents,
      timedOut: this.timedOut,
    };
  }
}

/** A proxy's Envoy config (config_dump) does not match the routes switchyard applied. */
export class DataplaneMismatchError extends SwitchyardError {
  readonly code = 'SWITCHYARD_DATAPLANE_MISMATCH';
  /** Proxy id. */
  readonly proxy: string;
  /** What was expected (weights per cluster, header route presence). */
  readonly expected: unknown;
  /** What the proxy has. */
  readonly actual: unknown;

  constructor(proxy: string, expected: unknown, actual: unknown, message: string) {
    super(
      `proxy ${proxy}: ${message}\n  expected: ${JSON.stringify(expected)}\n  actual:   ${JSON.stringify(actual)}`,
    );
    this.proxy = proxy;
    this.expected = expected;
    this.actual = actual;
  }

  override details(): Record<string, unknown> {
    return { proxy: this.proxy, expected: this.expected, actual: this.actual };
  }
}

/** Prometheus could not be queried: unreachable, timed out, or refused the query. */
export class PrometheusError extends SwitchyardError {
  readonly code = 'SWITCHYARD_PROMETHEUS';
  /** HTTP status, undefined for network failures. */
  readonly statusCode: number | undefined;
  /** Prometheus' own `errorType`, when it answered. */
  readonly errorType: string | undefined;
  /** The query, when one was sent. */
  readonly query: string | undefined;

  constructor(
    message: string,
    fields: {
      statusCode?: number | undefined;
      errorType?: string | undefined;
      query?: string | undefined;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.statusCode = fields.statusCode;
    this.errorType = fields.errorType;
    this.query = fields.query;
  }

  override details(): Record<string, unknown> {
    return { statusCode: this.statusCode, errorType: this.errorType, query: this.query };
  }
}

/** Result of one metric check evaluation. Only `pass` counts as a pass. */
export interface CheckEvidence {
  /** Check name. */
  name: string;
  /** Outcome. */
  outcome: 'pass' | 'fail' | 'inconclusive' | 'error';
  /** Measured value, when there was one. */
  value?: number | undefined;
  /** Why the outcome (threshold missed, no data, Prometheus error text). */
  reason?: string | undefined;
}

/**
 * Checks failed (or stayed inconclusive) beyond their limits. A release step throws it and
 * the failure policy turns it into a rollback (reason `checks-failed`).
 */
export class ChecksFailedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_CHECKS_FAILED';
  /** The failing evaluations. */
  readonly evidence: readonly CheckEvidence[];
  /** When the streak of failing evaluations began (ms since epoch); undefined: unknown. */
  readonly firstFailureAt: number | undefined;

  constructor(
    evidence: readonly CheckEvidence[],
    message?: string,
    options?: { firstFailureAt?: number | undefined },
  ) {
    super(
      message ??
        `checks failed: ${evidence
          .map(
            (e) => `${e.name}=${e.value ?? 'n/a'} (${e.outcome}${e.reason ? `: ${e.reason}` : ''})`,
          )
          .join(', ')}`,
    );
    this.evidence = evidence;
    this.firstFailureAt = options?.firstFailureAt;
  }

  override details(): Record<string, unknown> {
    return { evidence: this.evidence, firstFailureAt: this.firstFailureAt };
  }
}
