/**
 * Every failure switchyard reports is one of the classes below. Each has a stable `code`
 * (what scripts and the CLI's exit-code mapping key on), typed context fields, and keeps
 * the underlying failure as `cause`. Messages never contain credentials.
 */

/** A Kubernetes object a failure concerns. */
export interface ObjectRef {
  /** Kind, e.g. `VirtualService`. */
  kind: string;
  /** Namespace; undefined for cluster-scoped objects. */
  namespace?: string | undefined;
  /** Object name. */
  name: string;
}

/** One problem found while validating input; `path` is dotted (`strategy.steps[2].weight`). */
export interface ValidationIssue {
  /** Path of the offending field, `""` for the whole document. */
  path: string;
  /** What is wrong and, where possible, what would be right. */
  message: string;
}

/** Stable error codes. The CLI maps them to exit codes; never rename one. */
export type SwitchyardErrorCode =
  | 'SWITCHYARD_INVALID_SPEC'
  | 'SWITCHYARD_INVALID_USAGE'
  | 'SWITCHYARD_KUBECONFIG'
  | 'SWITCHYARD_PREFLIGHT'
  | 'SWITCHYARD_PREFLIGHT_FAILED'
  | 'SWITCHYARD_ROUTE_REFUSED'
  | 'SWITCHYARD_INVALID_STATE'
  | 'SWITCHYARD_STATE_RECORD'
  | 'SWITCHYARD_KUBE_API'
  | 'SWITCHYARD_CONCURRENT_EDIT'
  | 'SWITCHYARD_LOCKED'
  | 'SWITCHYARD_LOCK_LOST'
  | 'SWITCHYARD_PORT_FORWARD'
  | 'SWITCHYARD_ISTIOD_UNAVAILABLE'
  | 'SWITCHYARD_SYNC_TIMEOUT'
  | 'SWITCHYARD_CONFIG_REJECTED'
  | 'SWITCHYARD_DATAPLANE_MISMATCH'
  | 'SWITCHYARD_PROMETHEUS'
  | 'SWITCHYARD_ROLLOUT_TIMEOUT'
  | 'SWITCHYARD_ROLLOUT_FAILED'
  | 'SWITCHYARD_NO_READY_PODS'
  | 'SWITCHYARD_CHECKS_FAILED'
  | 'SWITCHYARD_ROLLED_BACK'
  | 'SWITCHYARD_ROLLBACK_UNVERIFIED'
  | 'SWITCHYARD_ABORTED';

/** Base class of every switchyard error. */
export abstract class SwitchyardError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: SwitchyardErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Context fields for JSON output (`-o json`); subclasses add theirs. */
  details(): Record<string, unknown> {
    return {};
  }

  /** Plain-object form: name, code, message, details. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.details() };
  }
}

function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('\n');
}

/** The release spec (file, flags or API options) is invalid. Nothing was changed. */
export class SpecError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_SPEC';
  /** Every problem found, each with the path of its field. */
  readonly issues: readonly ValidationIssue[];
  /** File the spec came from, when it came from a file. */
  readonly file: string | undefined;

  constructor(issues: readonly ValidationIssue[], options?: { file?: string; cause?: unknown }) {
    const where = options?.file ? ` in ${options.file}` : '';
    super(`invalid release spec${where}:\n${formatIssues(issues)}`, options);
    this.issues = issues;
    this.file = options?.file;
  }

  override details(): Record<string, unknown> {
    return { issues: this.issues, file: this.file };
  }
}

/** The command line or API call is malformed (unknown flag value, missing argument). */
export class UsageError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_USAGE';
}

/** The kubeconfig could not be loaded, or the requested context does not exist. */
export class KubeconfigError extends SwitchyardError {
  readonly code = 'SWITCHYARD_KUBECONFIG';
  /** Kubeconfig path used, when one was used. */
  readonly path: string | undefined;
  /** Context asked for, when one was asked for. */
  readonly context: string | undefined;

  constructor(message: string, options?: { path?: string; context?: string; cause?: unknown }) {
    super(message, options);
    this.path = options?.path;
    this.context = options?.context;
  }

  override details(): Record<string, unknown> {
    return { path: this.path, context: this.context };
  }
}

/** A check before any change failed: a missing object, a misconfigured mesh. Nothing was changed. */
export class PreflightError extends SwitchyardError {
  readonly code: SwitchyardErrorCode = 'SWITCHYARD_PREFLIGHT';
  /** Every problem found, each naming the object it concerns. */
  readonly problems: readonly { object?: ObjectRef | undefined; message: string }[];

  constructor(
    problems: readonly { object?: ObjectRef | undefined; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `preflight failed:\n${problems.map((p) => (p.object ? `${describeRef(p.object)}: ${p.message}` : p.message)).join('\n')}`,
      options,
    );
    this.problems = problems;
  }

  override details(): Record<string, unknown> {
    return { problems: this.problems };
  }
}

/** One error finding of a preflight check (the shape of `Finding` in `preflight/finding.ts`). */
export interface PreflightFinding {
  /** The check's stable id (`port-protocol`). */
  id: string;
  /** `error`, `warning` or `info`. */
  severity: 'error' | 'warning' | 'info';
  /** The object concerned. */
  object: ObjectRef;
  /** The field concerned (`spec.ports[0].name`), `''` for the whole object. */
  field: string;
  /** What is wrong. */
  message: string;
  /** How to fix it, in one line. */
  fix: string;
}

/**
 * The preflight checks deploy and release run before any change found errors (the Istio
 * pitfalls `switchyard doctor` reports). Nothing was changed: no lock taken, nothing
 * written. `findings` lists the errors, each with its object, field and fix; skip a check
 * on purpose with `--skip-check ID` or the spec's `preflight.skip`.
 */
export class PreflightFailedError extends PreflightError {
  override readonly code = 'SWITCHYARD_PREFLIGHT_FAILED';
  /** The error findings. */
  readonly findings: readonly PreflightFinding[];
  /** Checks skipped on purpose. */
  readonly skipped: readonly string[];

  constructor(findings: readonly PreflightFinding[], skipped: readonly string[] = []) {
    super(
      findings.map((f) => ({
        object: f.object,
        message: `${f.field ? `${f.field}: ` : ''}${f.message} [${f.id}; fix: ${f.fix}]`,
      })),
    );
    this.message = `preflight found ${findings.length} error${findings.length === 1 ? '' : 's'} (nothing was changed; skip a check on purpose with --skip-check ID or preflight.skip):\n${findings
      .map(
        (f) =>
          `  [${f.id}] ${describeRef(f.object)}${f.field ? ` ${f.field}` : ''}: ${f.message}\n    fix: ${f.fix}`,
      )
      .join('\n')}`;
    this.findings = findings;
    this.skipped = skipped;
  }

  override details(): Record<string, unknown> {
    return { findings: this.findings, skipped: this.skipped };
  }
}

/** Why switchyard refuses to manage a VirtualService's routes. */
export type RouteRefusalReason =
  | 'no-http-routes'
  | 'no-matching-route'
  | 'route-name-not-found'
  | 'ambiguous-routes'
  | 'delegate'
  | 'tcp-tls-only'
  | 'foreign-destination'
  | 'missing-subset'
  | 'invalid-weights'
  | 'name-collision';

/** The VirtualService or DestinationRule cannot be changed safely; the message says how to fix it. */
export class RouteRefusedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROUTE_REFUSED';
  /** Machine-readable reason. */
  readonly reason: RouteRefusalReason;
  /** The object refused. */
  readonly object: ObjectRef;
  /** How to fix it. */
  readonly hint: string;

  constructor(reason: RouteRefusalReason, object: ObjectRef, message: string, hint: string) {
    super(`${describeRef(object)}: ${message}. ${hint}`);
    this.reason = reason;
    this.object = object;
    this.hint = hint;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason, object: this.object, hint: this.hint };
  }
}

/** The operation does not fit the recorded release phase (promote with nothing paused, ...). */
export class InvalidStateError extends SwitchyardError {
  readonly code = 'SWITCHYARD_INVALID_STATE';
  /** Recorded phase. */
  readonly phase: string;
  /** Operation attempted. */
  readonly operation: string;

  constructor(operation: string, phase: string, message: string) {
    super(message);
    this.operation = operation;
    this.phase = phase;
  }

  override details(): Record<string, unknown> {
    return { phase: this.phase, operation: this.operation };
  }
}

/** The release state annotation is unreadable or written by a newer switchyard; it was left as is. */
export class StateRecordError extends SwitchyardError {
  readonly code = 'SWITCHYARD_STATE_RECORD';
  /** `unreadable` (not JSON, wrong shape) or `newer-version`. */
  readonly reason: 'unreadable' | 'newer-version';
  /** Object carrying the annotation. */
  readonly object: ObjectRef;

  constructor(
    reason: 'unreadable' | 'newer-version',
    object: ObjectRef,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${describeRef(object)}: ${message}`, options);
    this.reason = reason;
    this.object = object;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason, object: this.object };
  }
}

/** A Kubernetes API call failed (after retries where retrying made sense). */
export class KubeApiError extends SwitchyardError {
  readonly code: SwitchyardErrorCode = 'SWITCHYARD_KUBE_API';
  /** HTTP status, or undefined for a network failure. */
  readonly statusCode: number | undefined;
  /** Status `reason` (`NotFound`, `Conflict`, `Invalid`, ...), or `NetworkError`. */
  readonly reason: string;
  /** What was attempted: `get`, `patch`, ... */
  readonly verb: string;
  /** The object concerned, when there is one. */
  readonly object: ObjectRef | undefined;

  constructor(
    message: string,
    fields: {
      statusCode?: number | undefined;
      reason: string;
      verb: string;
      object?: ObjectRef | undefined;
    },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.statusCode = fields.statusCode;
    this.reason = fields.reason;
    this.verb = fields.verb;
    this.object = fields.object;
  }

  override details(): Record<string, unknown> {
    return {
      statusCode: this.statusCode,
      reason: this.reason,
      verb: this.verb,
      object: this.object,
    };
  }
}

/**
 * Someone else changed the object between switchyard's read and its write (409 Conflict on a
 * resourceVersion, or 422 on a failed JSON Patch `test`). Their edit was kept; ours was not applied.
 */
export class ConcurrentEditError extends KubeApiError {
  override readonly code = 'SWITCHYARD_CONCURRENT_EDIT';
}

/** Another holder has the release Lease. */
export class LockHeldError extends SwitchyardError {
  readonly code = 'SWITCHYARD_LOCKED';
  /** The Lease. */
  readonly lease: ObjectRef;
  /** Current holder identity. */
  readonly holder: string;
  /** When the holder's claim expires unless renewed (ISO time). */
  readonly expiresAt: string;

  constructor(lease: ObjectRef, holder: string, expiresAt: string) {
    super(
      `${describeRef(lease)} is held by "${holder}" until ${expiresAt} (unless renewed); ` +
        'another release of this service is in progress. Wait for it, or for the lease to expire.',
    );
    this.lease = lease;
    this.holder = holder;
    this.expiresAt = expiresAt;
  }

  override details(): Record<string, unknown> {
    return { lease: this.lease, holder: this.holder, expiresAt: this.expiresAt };
  }
}

/** The release Lease was lost while working (renewal failed or another holder took it). */
export class LockLostError extends SwitchyardError {
  readonly code = 'SWITCHYARD_LOCK_LOST';
  /** The Lease. */
  readonly lease: ObjectRef;
  /** Holder seen after the loss, when known. */
  readonly holder: string | undefined;

  constructor(lease: ObjectRef, message: string, options?: { holder?: string; cause?: unknown }) {
    super(`${describeRef(lease)}: ${message}`, options);
    this.lease = lease;
    this.holder = options?.holder;
  }

  override details(): Record<string, unknown> {
    return { lease: this.lease, holder: this.holder };
  }
}

/** A port-forward to a pod could not be established or broke. */
export class PortForwardError extends SwitchyardError {
  readonly code = 'SWITCHYARD_PORT_FORWARD';
  /** The pod. */
  readonly pod: ObjectRef;
  /** Pod port. */
  readonly port: number;

  constructor(pod: ObjectRef, port: number, message: string, options?: { cause?: unknown }) {
    super(`port-forward to ${describeRef(pod)}:${port}: ${message}`, options);
    this.pod = pod;
    this.port = port;
  }

  override details(): Record<string, unknown> {
    return { pod: this.pod, port: this.port };
  }
}

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
        `${fields.synced}/${fields.total} proxies synced; not synced:\n${list}`,
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

/** A Deployment rollout did not complete in time. */
export class RolloutTimeoutError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLOUT_TIMEOUT';
  /** The Deployment. */
  readonly deployment: ObjectRef;
  /** Timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Last observed status summary. */
  readonly lastStatus: string;

  constructor(deployment: ObjectRef, timeoutMs: number, lastStatus: string) {
    super(
      `${describeRef(deployment)} rollout did not complete within ${(timeoutMs / 1000).toFixed(0)}s (${lastStatus})`,
    );
    this.deployment = deployment;
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, timeoutMs: this.timeoutMs, lastStatus: this.lastStatus };
  }
}

/** A Deployment rollout failed (`ProgressDeadlineExceeded`). */
export class RolloutFailedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLOUT_FAILED';
  /** The Deployment. */
  readonly deployment: ObjectRef;
  /** Condition reason reported by Kubernetes. */
  readonly reason: string;

  constructor(deployment: ObjectRef, reason: string, message: string) {
    super(`${describeRef(deployment)} rollout failed: ${reason}: ${message}`);
    this.deployment = deployment;
    this.reason = reason;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, reason: this.reason };
  }
}

/** switchyard refused to route traffic to a slot with no ready pods. */
export class NoReadyPodsError extends SwitchyardError {
  readonly code = 'SWITCHYARD_NO_READY_PODS';
  /** The Deployment of the slot. */
  readonly deployment: ObjectRef;
  /** Slot name. */
  readonly slot: string;

  constructor(deployment: ObjectRef, slot: string, message: string) {
    super(`${describeRef(deployment)} (slot ${slot}): ${message}`);
    this.deployment = deployment;
    this.slot = slot;
  }

  override details(): Record<string, unknown> {
    return { deployment: this.deployment, slot: this.slot };
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

/** Checks failed (or stayed inconclusive) beyond their limits. */
export class ChecksFailedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_CHECKS_FAILED';
  /** The failing evaluations. */
  readonly evidence: readonly CheckEvidence[];

  constructor(evidence: readonly CheckEvidence[], message?: string) {
    super(
      message ??
        `checks failed: ${evidence
          .map(
            (e) => `${e.name}=${e.value ?? 'n/a'} (${e.outcome}${e.reason ? `: ${e.reason}` : ''})`,
          )
          .join(', ')}`,
    );
    this.evidence = evidence;
  }

  override details(): Record<string, unknown> {
    return { evidence: this.evidence };
  }
}

/** Why a release was rolled back. */
export type RollbackReason =
  | 'checks-failed'
  | 'sync-timeout'
  | 'config-rejected'
  | 'dataplane-mismatch'
  | 'rollout-failed'
  | 'step-error'
  | 'manual'
  | 'resume-rollback';

/**
 * The release was rolled back and the rollback was verified (every proxy synced on the
 * stable routes). `cause` is what triggered it. `summary` is the operation summary.
 */
export class ReleaseRolledBackError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLED_BACK';
  /** Why. */
  readonly reason: RollbackReason;
  /** Operation summary with the timeline (the engine's `OperationSummary`). */
  readonly summary: unknown;

  constructor(
    reason: RollbackReason,
    message: string,
    summary: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.reason = reason;
    this.summary = summary;
  }

  override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

/**
 * A rollback was attempted but could not be verified. A human must look; `routeState`
 * says exactly what the routes are known to be.
 */
export class RollbackUnverifiedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ROLLBACK_UNVERIFIED';
  /** Exact known route state, for a human. */
  readonly routeState: string;
  /** Operation summary with the timeline. */
  readonly summary: unknown;

  constructor(
    message: string,
    routeState: string,
    summary: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${message}\nroute state: ${routeState}`, options);
    this.routeState = routeState;
    this.summary = summary;
  }

  override details(): Record<string, unknown> {
    return { routeState: this.routeState };
  }
}

/** The operation was aborted (signal). */
export class AbortedError extends SwitchyardError {
  readonly code = 'SWITCHYARD_ABORTED';
}

/** `VirtualService bookinfo/reviews` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** True when `error` is a switchyard error (by duck type, so it works across package copies). */
export function isSwitchyardError(error: unknown): error is SwitchyardError {
  if (error instanceof SwitchyardError) return true;
  const code: unknown =
    error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SWITCHYARD_');
}
