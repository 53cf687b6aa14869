/**
 * Scripted gates for the operations' unit tests: a proxy sync gate, metric checks and a
 * data-plane verifier whose behaviour each test sets, all on the (fake) clock.
 */
import { ConfigRejectedError, SyncTimeoutError, type UnsyncedProxy } from '../../errors.js';
import type { Clock } from '../clock.js';
import type {
  DataplaneExpectation,
  DataplaneProxyCheck,
  DataplaneVerifier,
  DataplaneVerifyOptions,
} from '../../gates/dataplane-verifier.js';
import type {
  CheckContext,
  CheckDefinition,
  CheckResult,
  CounterQuery,
  CounterReadResult,
  MetricsProvider,
} from '../../gates/metrics-provider.js';
import { FakeCounters } from './fake-counters.js';
import type {
  ProxyScope,
  SyncGate,
  SyncReport,
  SyncSnapshot,
  SyncStatusSummary,
  SyncWaitOptions,
} from '../../gates/sync-gate.js';

/** A sync gate whose behaviour tests script; it sleeps on the (fake) clock like the real one polls. */
export class FakeSyncGate implements SyncGate {
  waits = 0;
  snapshots = 0;
  sinceCalls: number[] = [];
  /** Time each wait takes. */
  syncMs = 1_000;
  /** When set, the next waits fail with a timeout naming these proxies. */
  stuck: UnsyncedProxy[] | undefined;
  /** Stuck only for waits whose number (1-based) is listed. */
  stuckOnWaits = new Set<number>();
  /** When set, waits listed in `rejectOnWaits` fail at once: these proxies NACKed the change. */
  rejecting: UnsyncedProxy[] | undefined;
  /** Waits (1-based) that end in a rejection. */
  rejectOnWaits = new Set<number>();
  /** Called at the start of every wait with its number (1-based). */
  onWait: ((n: number) => void) | undefined;
  /** The scope of every wait and status read, in order. */
  scopes: ProxyScope[] = [];

  constructor(readonly clock: Clock) {}

  snapshot(): Promise<SyncSnapshot> {
    this.snapshots++;
    return Promise.resolve({ takenAt: this.clock.now() });
  }

  since(changeAcceptedAt: number): SyncSnapshot {
    this.sinceCalls.push(changeAcceptedAt);
    return { takenAt: changeAcceptedAt };
  }

  async waitForSync(_snapshot: SyncSnapshot, options: SyncWaitOptions): Promise<SyncReport> {
    this.waits++;
    this.scopes.push(options.scope);
    this.onWait?.(this.waits);
    const startedAt = this.clock.now();
    if (this.rejecting && this.rejectOnWaits.has(this.waits)) {
      await this.clock.sleep(this.syncMs, options.signal);
      throw new ConfigRejectedError({
        rejected: this.rejecting,
        unsynced: this.rejecting,
        synced: 5,
        total: 5 + this.rejecting.length,
      });
    }
    if (this.stuck && (this.stuckOnWaits.size === 0 || this.stuckOnWaits.has(this.waits))) {
      await this.clock.sleep(options.timeoutMs, options.signal);
      throw new SyncTimeoutError({
        unsynced: this.stuck,
        synced: 5,
        total: 5 + this.stuck.length,
        timeoutMs: options.timeoutMs,
      });
    }
    options.onProgress?.({ synced: 3, total: 6, elapsedMs: 0, pending: [] });
    await this.clock.sleep(this.syncMs, options.signal);
    return { synced: 6, total: 6, startedAt, completedAt: this.clock.now(), istiodReplicas: 2 };
  }

  currentStatus(scope: ProxyScope): Promise<SyncStatusSummary> {
    this.scopes.push(scope);
    return Promise.resolve({ synced: 6, total: 6, notSynced: [], istiodReplicas: 2 });
  }
}

/**
 * Metrics whose verdict per evaluation a test scripts (threshold checks), and counters a
 * test fills with traffic (`counters.traffic`, for sequential checks).
 */
export class FakeMetrics implements MetricsProvider {
  calls: CheckContext[] = [];
  /** Every counter read, in order. */
  counterReads: CounterQuery[] = [];
  /** Returns the outcome for evaluation number n (1-based); default pass. */
  script: (n: number, context: CheckContext) => CheckResult['outcome'] = () => 'pass';
  /** The raw counters sequential checks read. */
  readonly counters: FakeCounters;

  constructor(readonly clock: Clock) {
    this.counters = new FakeCounters(clock);
  }

  readCounters(query: CounterQuery): Promise<CounterReadResult> {
    this.counterReads.push(query);
    return Promise.resolve(this.counters.read(query));
  }

  evaluate(checks: readonly CheckDefinition[], context: CheckContext): Promise<CheckResult[]> {
    this.calls.push(context);
    const outcome = this.script(this.calls.length, context);
    return Promise.resolve(
      checks.map((check) => ({
        name: check.name,
        outcome,
        value: outcome === 'pass' ? 99.9 : outcome === 'fail' ? 80 : undefined,
        reason:
          outcome === 'error'
            ? 'Prometheus unreachable: connect ECONNREFUSED'
            : outcome === 'inconclusive'
              ? 'no data'
              : undefined,
        min: check.min,
        max: check.max,
        at: this.clock.now(),
      })),
    );
  }
}

/** A data-plane verifier that passes unless told to fail. */
export class FakeDataplane implements DataplaneVerifier {
  expectations: DataplaneExpectation[] = [];
  scopes: ProxyScope[] = [];
  verify(
    expectation: DataplaneExpectation,
    options: DataplaneVerifyOptions,
  ): Promise<DataplaneProxyCheck[]> {
    this.expectations.push(expectation);
    this.scopes.push(options.scope);
    return Promise.resolve([
      { proxy: 'istio-ingressgateway-1.istio-system', proxyType: 'router', version: 'v1' },
    ]);
  }
}
