/**
 * The proxy sync gate: after a route change, wait until the proxies really have it, as
 * istiod's `/debug/syncz` reports it from every replica (docs/reference/istio.md §1).
 * Istio usually propagates a change in seconds, sometimes in minutes, sometimes to only some
 * pods; measuring before that measures the old routes.
 *
 * - `snapshot()` records every proxy's route push just before the change; `waitForSync()`
 *   polls until the required share of proxies in scope had a later push and acked it (rules
 *   in `sync-evaluation.ts`). `since()` replaces the snapshot when resuming after a crash.
 * - Given the change's routes (`expectation`), a later acked push counts only when it
 *   carries them: istiod's pushes are fenced per replica by one proxy's config_dump
 *   (`push-fence.ts`). The release engine always passes them; without them the weaker
 *   baseline-only rule applies, which a busy mesh can fool (a push istiod began before it
 *   saw the change reaching a proxy after the baseline).
 * - Polls every `pollIntervalMs` with ±10% jitter (so parallel releases do not poll istiod
 *   in lockstep), start to start, and returns on the first poll that meets the ratio.
 * - A replica that does not answer a poll keeps its proxies' last known state for that
 *   poll: a transient failure neither loses proxies nor invents progress. A replica that
 *   never answered blocks success (its proxies are unknown). No answer from any replica for
 *   the whole timeout is IstiodUnavailableError; otherwise a timeout is SyncTimeoutError
 *   naming every proxy without the change, its istiod and how long it has waited.
 * - A proxy whose Envoy rejected (NACKed) the change will never have it: as soon as the
 *   rejections leave too few proxies to meet the required ratio, the wait ends with
 *   ConfigRejectedError naming each rejecting proxy and Envoy's message, instead of a
 *   timeout minutes later (rules in `sync-evaluation.ts`, `rejectedChange`).
 */
import {
  ConfigRejectedError,
  IstiodUnavailableError,
  SyncTimeoutError,
  UsageError,
  type UnsyncedProxy,
} from '../errors.js';
import type { PodLister } from '../kube/resource-apis.js';
import { systemClock, type Clock } from '../release/clock.js';
import type {
  ProxyScope,
  SyncGate,
  SyncReport,
  SyncSnapshot,
  SyncStatusSummary,
  SyncWaitOptions,
} from './sync-gate.js';
import type { ResolvedSync } from '../spec/resolved-release-spec.js';
import { abortError, throwIfAborted } from './abort-error.js';
import {
  baselineCriterion,
  evaluateSync,
  pendingState,
  ratioMet,
  RejectionWatch,
  sinceCriterion,
  type SyncCriterion,
} from './sync-evaluation.js';
import type { EnvoyRouteReader } from './envoy-route-reader.js';
import { PushFence } from './push-fence.js';
import { ProxyScopeResolver, type ScopeResolution } from './sync-scope.js';
import type { SynczSource } from './syncz-source.js';
import { mergeReplicas, type ProxyRouteStatus } from './syncz-status.js';

/** Polls a snapshot makes to hear from every replica before settling for fewer. */
const SNAPSHOT_ATTEMPTS = 3;
/** Pause between those polls, in milliseconds. */
const SNAPSHOT_RETRY_MS = 200;
/** Jitter of the poll interval, as a share of it (±). */
const POLL_JITTER = 0.1;

/** Options of {@link IstiodSyncGate}. */
export interface IstiodSyncGateOptions {
  /** Where syncz comes from (every istiod pod by port-forward, or one URL). */
  source: SynczSource;
  /** Lists pods for a scope's selector. */
  pods: PodLister;
  /** Reads a proxy's routes from Envoy, for the push fence; needed by waits with an expectation. */
  routes?: EnvoyRouteReader | undefined;
  /** Sync settings: poll interval, required ratio. (The scope comes with each call.) */
  sync: Pick<ResolvedSync, 'pollIntervalMs' | 'requiredRatio'>;
  /** Time and sleeps; default the system clock. */
  clock?: Clock | undefined;
  /** Uniform random numbers in [0, 1) for the jitter; default `Math.random`. */
  random?: (() => number) | undefined;
}

/** The gate's own snapshot: opaque to the engine, carries the criterion. */
class GateSnapshot implements SyncSnapshot {
  readonly takenAt: number;
  readonly criterion: SyncCriterion;

  constructor(takenAt: number, criterion: SyncCriterion) {
    this.takenAt = takenAt;
    this.criterion = criterion;
  }
}

/** One poll's view of the mesh. */
interface Observation {
  /** Every known proxy, merged across replicas. */
  merged: Map<string, ProxyRouteStatus>;
  /** Replicas found. */
  replicas: string[];
  /** Replicas that answered this poll. */
  fresh: Set<string>;
  /** Replicas found that never answered (their proxies are unknown). */
  unknown: string[];
  /** What went wrong this poll, for messages. */
  problems: string[];
}

/** {@link SyncGate} over istiod's `/debug/syncz`. */
export class IstiodSyncGate implements SyncGate {
  readonly #source: SynczSource;
  readonly #scopes: ProxyScopeResolver;
  readonly #routes: EnvoyRouteReader | undefined;
  readonly #pollIntervalMs: number;
  readonly #requiredRatio: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** Last statuses each replica reported, by replica; kept across waits. */
  readonly #lastKnown = new Map<string, readonly ProxyRouteStatus[]>();

  constructor(options: IstiodSyncGateOptions) {
    this.#source = options.source;
    this.#scopes = new ProxyScopeResolver(options.pods);
    this.#routes = options.routes;
    this.#pollIntervalMs = options.sync.pollIntervalMs;
    this.#requiredRatio = options.sync.requiredRatio;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
  }

  async snapshot(signal?: AbortSignal): Promise<SyncSnapshot> {
    const takenAt = this.#clock.now();
    // The latest fresh answer of each replica within this snapshot.
    const answered = new Map<string, readonly ProxyRouteStatus[]>();
    let observation: Observation | undefined;
    for (let attempt = 1; attempt <= SNAPSHOT_ATTEMPTS; attempt++) {
      observation = await this.#observe(signal);
      for (const istiod of observation.fresh)
        answered.set(istiod, this.#lastKnown.get(istiod) ?? []);
      const missing = observation.replicas.filter((r) => !answered.has(r));
      if (observation.replicas.length > 0 && missing.length === 0) break;
      if (attempt < SNAPSHOT_ATTEMPTS) await this.#sleep(SNAPSHOT_RETRY_MS, signal);
    }
    const last = observation as Observation;
    const replicas = last.replicas.filter((r) => answered.has(r));
    if (replicas.length === 0) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `cannot snapshot proxy sync state: no istiod answered /debug/syncz (${describeProblems(last.problems)})`,
      );
    }
    // Replicas that did not answer are left out rather than taken from an older poll: their
    // proxies count as newcomers, which an incomplete baseline holds to a push time.
    const complete = replicas.length === last.replicas.length;
    const merged = mergeReplicas(replicas.map((r) => answered.get(r) ?? []));
    return new GateSnapshot(takenAt, baselineCriterion(merged.values(), takenAt, complete));
  }

  since(changeAcceptedAt: number): SyncSnapshot {
    return new GateSnapshot(changeAcceptedAt, sinceCriterion(changeAcceptedAt));
  }

  async waitForSync(snapshot: SyncSnapshot, options: SyncWaitOptions): Promise<SyncReport> {
    if (!(snapshot instanceof GateSnapshot))
      throw new UsageError('waitForSync needs a snapshot made by this sync gate');
    const { criterion } = snapshot;
    const { scope, signal, timeoutMs, expectation } = options;
    if (expectation && !this.#routes)
      throw new UsageError(
        'waitForSync with an expectation needs the gate built with a route reader',
      );
    const fence =
      expectation && this.#routes
        ? new PushFence({ expectation, routes: this.#routes, criterion })
        : undefined;
    const startedAt = this.#clock.now();
    const deadline = startedAt + timeoutMs;
    // How long a proxy has waited counts from the change when it is known (resume), else
    // from the start of the wait, or from when the proxy appeared.
    const origin =
      criterion.kind === 'since' ? Math.min(criterion.changeAcceptedAt, startedAt) : startedAt;
    const firstSeen = new Map<string, number>();
    const rejections = new RejectionWatch(criterion);
    let answeredDuringWait = false;
    let lastObservation: Observation | undefined;
    let lastScopeProblem: string | undefined;
    let lastPending: UnsyncedProxy[] = [];
    let lastUnproven: string | undefined;
    let lastCounts = { synced: 0, total: 0 };
    for (let first = true; ; first = false) {
      throwIfAborted(signal, 'proxy sync wait');
      const pollStart = this.#clock.now();
      const observation = await this.#observe(signal);
      lastObservation = observation;
      if (observation.fresh.size > 0) answeredDuringWait = true;
      const view = await this.#scopes.resolve(scope, observation.merged.values(), signal);
      const now = this.#clock.now();
      for (const id of observation.merged.keys())
        if (!firstSeen.has(id)) firstSeen.set(id, first ? origin : pollStart);
      rejections.observe(observation.merged.values(), now);
      if (view.includes) {
        lastScopeProblem = undefined;
        await fence?.observe(observation.merged.values(), view.includes, signal);
        lastUnproven = fence?.unfenced(observation.merged.values(), view.includes);
        const evaluation = evaluateSync(
          observation.merged.values(),
          criterion,
          view.includes,
          fence ? (status) => fence.admits(status) : undefined,
        );
        lastCounts = { synced: evaluation.synced, total: evaluation.total };
        lastPending = evaluation.pending
          .map((status) => unsyncedProxy(status, pendingState(status), now, firstSeen, origin))
          .sort(slowestFirst);
        options.onProgress?.({
          synced: evaluation.synced,
          total: evaluation.total,
          elapsedMs: now - startedAt,
          pending: lastPending,
        });
        const conclusive = answeredDuringWait && observation.unknown.length === 0;
        if (conclusive && ratioMet(evaluation.synced, evaluation.total, this.#requiredRatio)) {
          return {
            synced: evaluation.synced,
            total: evaluation.total,
            startedAt,
            // After the fence's config_dump reads, which this poll waited for.
            completedAt: this.#clock.now(),
            istiodReplicas: observation.replicas.length,
          };
        }
        const rejected = rejections.rejecting(evaluation.pending, now);
        const reachable = evaluation.total - rejected.size;
        if (rejected.size > 0 && !ratioMet(reachable, evaluation.total, this.#requiredRatio)) {
          throw new ConfigRejectedError({
            rejected: lastPending.filter((proxy) => rejected.has(proxy.proxy)),
            unsynced: lastPending,
            synced: evaluation.synced,
            total: evaluation.total,
          });
        }
      } else {
        lastScopeProblem = view.problem;
      }
      if (now >= deadline) break;
      const interval = this.#pollIntervalMs * (1 + POLL_JITTER * (2 * this.#random() - 1));
      const wait = Math.min(interval - (this.#clock.now() - pollStart), deadline - now);
      await this.#sleep(Math.max(0, wait), signal);
    }
    const observation = lastObservation;
    if (!answeredDuringWait) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `no istiod answered /debug/syncz for ${seconds(timeoutMs)}: ${describeProblems(observation.problems)}`,
      );
    }
    if (observation.unknown.length > 0) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `istiod ${observation.unknown.join(', ')} never answered /debug/syncz in ${seconds(timeoutMs)}, ` +
          `so the sync of its proxies is unknown (${describeProblems(observation.problems)}); ` +
          `${lastCounts.synced}/${lastCounts.total} proxies of the other replicas synced`,
      );
    }
    if (lastScopeProblem !== undefined && lastCounts.total === 0 && lastPending.length === 0) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `cannot tell which proxies are in the sync scope (${this.#scopes.describe(scope)}): ${lastScopeProblem}`,
      );
    }
    throw new SyncTimeoutError({
      unsynced: lastPending,
      synced: lastCounts.synced,
      total: lastCounts.total,
      timeoutMs,
      unproven: lastUnproven,
    });
  }

  async currentStatus(scope: ProxyScope, signal?: AbortSignal): Promise<SyncStatusSummary> {
    const observation = await this.#observe(signal);
    const view = await this.#requireScope(scope, observation, signal);
    const now = this.#clock.now();
    let synced = 0;
    let total = 0;
    const notSynced: UnsyncedProxy[] = [];
    for (const status of observation.merged.values()) {
      if (!view(status)) continue;
      total += 1;
      if (status.state === 'SYNCED') {
        synced += 1;
        continue;
      }
      const sentAt = status.sentAt ?? status.nonceTime;
      notSynced.push({
        proxy: status.proxy,
        istiod: status.istiod,
        state: status.state,
        // Not sent: nothing to wait for yet. Otherwise: since the push it has not acked.
        waitingMs: status.state === 'NOT SENT' || sentAt === undefined ? 0 : now - sentAt,
        lastError: status.lastError,
      });
    }
    notSynced.sort(slowestFirst);
    return { synced, total, notSynced, istiodReplicas: observation.fresh.size };
  }

  /**
   * Every proxy in `scope` as syncz reports it now (merged across replicas). The data-plane
   * verifier picks the proxies it inspects from here.
   */
  async proxiesInScope(scope: ProxyScope, signal?: AbortSignal): Promise<ProxyRouteStatus[]> {
    const observation = await this.#observe(signal);
    const view = await this.#requireScope(scope, observation, signal);
    return [...observation.merged.values()].filter(view);
  }

  /** Closes the port-forwards to istiod. The gate cannot be used afterwards. */
  close(): Promise<void> {
    return this.#source.close();
  }

  async #observe(signal: AbortSignal | undefined): Promise<Observation> {
    throwIfAborted(signal, 'syncz poll');
    const poll = await this.#source.poll(signal);
    const problems: string[] = poll.problem ? [poll.problem] : [];
    const fresh = new Set<string>();
    const replicas: string[] = [];
    for (const answer of poll.answers) {
      replicas.push(answer.istiod);
      if (answer.statuses) {
        this.#lastKnown.set(answer.istiod, answer.statuses);
        fresh.add(answer.istiod);
      } else {
        problems.push(`${answer.istiod}: ${answer.error ?? 'no answer'}`);
      }
    }
    if (poll.problem === undefined) {
      // Replicas that are gone take their proxies with them (they reconnect elsewhere).
      for (const istiod of [...this.#lastKnown.keys()])
        if (!replicas.includes(istiod)) this.#lastKnown.delete(istiod);
    } else {
      // Could not even list the replicas: every one known keeps its last state.
      replicas.push(...this.#lastKnown.keys());
    }
    const known = replicas.filter((istiod) => this.#lastKnown.has(istiod));
    return {
      merged: mergeReplicas(known.map((istiod) => this.#lastKnown.get(istiod) ?? [])),
      replicas,
      fresh,
      unknown: replicas.filter((istiod) => !this.#lastKnown.has(istiod)),
      problems,
    };
  }

  async #requireScope(
    scope: ProxyScope,
    observation: Observation,
    signal: AbortSignal | undefined,
  ): Promise<(status: ProxyRouteStatus) => boolean> {
    if (observation.fresh.size === 0) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `no istiod answered /debug/syncz: ${describeProblems(observation.problems)}`,
      );
    }
    const view: ScopeResolution = await this.#scopes.resolve(
      scope,
      observation.merged.values(),
      signal,
    );
    if (!view.includes) {
      throw new IstiodUnavailableError(
        this.#source.namespace,
        this.#source.selector,
        `cannot tell which proxies are in the sync scope (${this.#scopes.describe(scope)}): ${view.problem}`,
      );
    }
    return view.includes;
  }

  async #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#clock.sleep(ms, signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, 'proxy sync wait');
      throw error;
    }
  }
}

function unsyncedProxy(
  status: ProxyRouteStatus,
  state: UnsyncedProxy['state'],
  now: number,
  firstSeen: ReadonlyMap<string, number>,
  origin: number,
): UnsyncedProxy {
  const since = Math.max(origin, firstSeen.get(status.proxy) ?? origin);
  return {
    proxy: status.proxy,
    istiod: status.istiod,
    state,
    waitingMs: Math.max(0, now - since),
    lastError: status.lastError,
  };
}

function slowestFirst(a: UnsyncedProxy, b: UnsyncedProxy): number {
  if (a.waitingMs !== b.waitingMs) return b.waitingMs - a.waitingMs;
  return a.proxy < b.proxy ? -1 : a.proxy > b.proxy ? 1 : 0;
}

function describeProblems(problems: readonly string[]): string {
  return problems.length > 0 ? problems.join('; ') : 'no reason given';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
