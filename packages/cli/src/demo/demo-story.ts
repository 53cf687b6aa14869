/**
 * The demo's story, told through the library API against a running simulator:
 * the starting state, `doctor` catching a deliberately mis-named Service port and passing
 * once it is fixed, a good version deployed behind a header (testers reach it, users do
 * not, as Prometheus shows), its canary release with checks, then a bad version whose
 * release fails its checks and rolls back, verified. Returns what it measured; what did
 * not go as expected is listed in `problems`.
 */
import {
  deploy,
  doctor,
  release,
  status,
  type OperationInput,
  type OperationSummary,
  type PreflightReport,
  type ReleaseEvent,
  type Slot,
} from '@switchyard/core';
import type { Simulator } from '@switchyard/sim';
import type { CliContext } from '../cli-context.js';
import { errorCodeOf } from '../exit-codes.js';
import { doctorText } from '../render/doctor-text.js';
import type { ProgressReporter } from '../render/progress-reporter.js';
import { statusText } from '../render/status-text.js';
import type { DemoPhase, DemoReport } from './demo-report.js';
import { DEMO_BAD_IMAGE, DEMO_GOOD_IMAGE } from './demo-scenario.js';
import { portRenameCommand, renameServicePort } from './service-port-name.js';
import { queryTraffic, trafficQuery, trafficTable, waitForTraffic } from './traffic-table.js';

const SERVICE = 'reviews';
const NAMESPACE = 'bookinfo';
const HEADER = { name: 'x-release', exact: 'candidate' } as const;

/** How an operation of the story ended: its summary, and the error when it threw one. */
interface StageResult {
  summary: OperationSummary;
  error: unknown;
  events: ReleaseEvent[];
}

/** The story over one simulator. */
export class DemoStory {
  readonly #context: CliContext;
  readonly #sim: Simulator;
  readonly #signal: AbortSignal;
  readonly #startedAt: number;
  readonly #progressFor: (context: CliContext) => Promise<ProgressReporter>;
  readonly #phases: DemoPhase[] = [];
  readonly #problems: string[] = [];

  /** `progressFor` picks the renderer of each operation's progress (the handler's choice). */
  constructor(
    context: CliContext,
    sim: Simulator,
    signal: AbortSignal,
    startedAt: number,
    progressFor: (context: CliContext) => Promise<ProgressReporter>,
  ) {
    this.#context = context;
    this.#sim = sim;
    this.#signal = signal;
    this.#startedAt = startedAt;
    this.#progressFor = progressFor;
  }

  /** Tells the story; throws only on failures outside it (cluster unreachable, Ctrl-C). */
  async run(): Promise<DemoReport> {
    const prometheusUrl = this.#sim.prometheusUrl as string;
    const base: OperationInput = {
      kubeconfig: this.#sim.kubeconfigPath,
      service: SERVICE,
      namespace: NAMESPACE,
      holderIdentity: 'switchyard-demo',
      signal: this.#signal,
      deploy: { preRelease: { headers: [HEADER] }, rolloutTimeout: '1m' },
      strategy: {
        steps: [
          { weight: 20 },
          { bake: '6s' },
          { weight: 50 },
          { bake: '6s' },
          { weight: 100 },
          { bake: '6s' },
        ],
      },
      checks: {
        interval: '2s',
        window: '6s',
        scrapeInterval: '1s',
        items: [
          { type: 'success-rate', min: 99 },
          { type: 'latency-p99', max: 500 },
        ],
      },
      prometheus: { url: prometheusUrl },
      sync: { timeout: '30s' },
    };

    // `status` takes its own `sync` flag (read proxy sync state), not the spec's section.
    const { sync: _syncSection, ...statusInput } = base;
    this.#heading('1. Starting state: blue serves every user');
    const before = await status(statusInput);
    this.#lines(statusText(before, this.#context.colors));

    await this.#doctorChapter(base);

    this.#heading(
      `3. Deploy a good version (${DEMO_GOOD_IMAGE}) to the idle slot, behind the header ${HEADER.name}: ${HEADER.exact}`,
    );
    const good = await this.#stage(
      'deploy good',
      (input) => deploy({ ...input, image: DEMO_GOOD_IMAGE }),
      base,
    );
    const goodSlot = good.summary.candidateSlot ?? 'green';

    this.#heading(
      '4. Testers reach the candidate, users stay on the stable slot (measured by Prometheus)',
    );
    await this.#showTraffic(prometheusUrl, goodSlot);

    this.#heading(
      '5. Canary release with checks (success rate >= 99%, p99 latency <= 500 ms): 20%, 50%, 100%, each baked',
    );
    const goodRelease = await this.#stage('release good (canary)', release, base);
    if (goodRelease.summary.outcome !== 'released') {
      this.#problems.push(`the good release ended ${goodRelease.summary.outcome}, not released`);
    }

    this.#heading(
      `6. Deploy a bad version (${DEMO_BAD_IMAGE}: one request in five fails) to the idle slot`,
    );
    const bad = await this.#stage(
      'deploy bad',
      (input) => deploy({ ...input, image: DEMO_BAD_IMAGE }),
      base,
    );
    const badSlot: Slot = bad.summary.candidateSlot ?? (goodSlot === 'green' ? 'blue' : 'green');

    this.#heading(
      '7. Release the bad version: the checks fail and switchyard rolls back, verified',
    );
    const badRelease = await this.#stage('release bad + rollback', release, base);
    const rollback = badRelease.summary.rollback;
    if (
      errorCodeOf(badRelease.error) !== 'SWITCHYARD_ROLLED_BACK' ||
      rollback?.reason !== 'checks-failed' ||
      !rollback.verified
    ) {
      this.#problems.push(
        `the bad release should have rolled back (checks-failed, verified); it ended ${badRelease.summary.outcome}${rollback ? ` (${rollback.reason}, ${rollback.verified ? 'verified' : 'not verified'})` : ''}`,
      );
    }

    this.#heading('8. Where traffic is now');
    const after = await status(statusInput);
    this.#lines(statusText(after, this.#context.colors));
    const stable: Slot = badSlot === 'blue' ? 'green' : 'blue';
    if (after.weights[stable] !== 100 || after.activeSlot !== stable) {
      this.#problems.push(
        `traffic should be back on ${stable}; the VirtualService routes blue ${after.weights.blue} / green ${after.weights.green}`,
      );
    }

    const badTraffic = badRelease.events.find(
      (e): e is Extract<ReleaseEvent, { type: 'routes-applied' }> =>
        e.type === 'routes-applied' && (e.weights?.[badSlot] ?? 0) > 0,
    );
    const restored = badRelease.events.find(
      (e): e is Extract<ReleaseEvent, { type: 'rollback-completed' }> =>
        e.type === 'rollback-completed' && e.verified,
    );
    return {
      phases: this.#phases,
      badTrafficAt: badTraffic ? new Date(badTraffic.at).toISOString() : undefined,
      restoredAt: restored ? new Date(restored.at).toISOString() : undefined,
      badTrafficToRestoredMs: badTraffic && restored ? restored.at - badTraffic.at : undefined,
      firstFailureToRestoredMs: rollback?.timeToRestoreMs,
      totalMs: Date.now() - this.#startedAt,
      problems: this.#problems,
    };
  }

  /**
   * `switchyard doctor` before anything moves: a Service port named `tcp` makes Istio treat
   * reviews as plain TCP (no weights, no header route), which doctor reports as an error
   * (and deploy and release would refuse, exit 2); renamed `http`, it passes.
   */
  async #doctorChapter(base: OperationInput): Promise<void> {
    const c = this.#context.colors;
    this.#heading(
      '2. Preflight: switchyard doctor on a deliberately mis-named Service port, then fixed',
    );
    // doctor also asks Prometheus for the service's traffic: let the first scrapes land.
    await waitForTraffic(
      () =>
        queryTraffic(
          this.#sim.prometheusUrl as string,
          trafficQuery(SERVICE, NAMESPACE, '1m'),
          this.#signal,
        ),
      (rows) => rows.length > 0,
      { timeoutMs: 20_000, intervalMs: 500, signal: this.#signal },
    );
    this.#lines([c.dim(`  $ ${portRenameCommand(NAMESPACE, SERVICE, 'tcp')}`)]);
    await renameServicePort(this.#sim, NAMESPACE, SERVICE, 'tcp');
    let broken: PreflightReport;
    try {
      this.#lines([c.dim(`  $ switchyard doctor ${SERVICE} -n ${NAMESPACE}`)]);
      broken = await doctor(base);
      this.#lines(doctorText(broken, c));
    } finally {
      this.#lines([
        '',
        c.dim(
          '  (deploy and release run these checks first and would refuse now, exit 2: fix the port name)',
        ),
        c.dim(`  $ ${portRenameCommand(NAMESPACE, SERVICE, 'http')}`),
      ]);
      await renameServicePort(this.#sim, NAMESPACE, SERVICE, 'http');
    }
    this.#lines([c.dim(`  $ switchyard doctor ${SERVICE} -n ${NAMESPACE}`)]);
    const healthy = await doctor(base);
    this.#lines(doctorText(healthy, c));
    if (!broken.findings.some((f) => f.id === 'port-protocol' && f.severity === 'error'))
      this.#problems.push('doctor did not report the port named tcp as an error');
    if (healthy.errors > 0)
      this.#problems.push(
        `doctor found errors on the healthy service: ${healthy.findings
          .filter((f) => f.severity === 'error')
          .map((f) => f.id)
          .join(', ')}`,
      );
  }

  /** Runs one library operation with live progress, then prints its summary. */
  async #stage(
    name: string,
    operation: (input: OperationInput) => Promise<OperationSummary>,
    input: OperationInput,
  ): Promise<StageResult> {
    const events: ReleaseEvent[] = [];
    const progress = await this.#progressFor(this.#context);
    let summary: OperationSummary;
    let error: unknown;
    try {
      summary = await operation({
        ...input,
        onEvent: (event) => {
          events.push(event);
          progress.onEvent(event);
        },
      });
    } catch (thrown) {
      // A rollback is part of the story; anything else ends it.
      const carried = (thrown as { summary?: OperationSummary }).summary;
      if (errorCodeOf(thrown) !== 'SWITCHYARD_ROLLED_BACK' || !carried || this.#signal.aborted) {
        throw thrown;
      }
      summary = carried;
      error = thrown;
    } finally {
      progress.stop();
    }
    this.#phases.push({
      name,
      durationMs: summary.durationMs,
      result:
        summary.outcome === 'rolled-back' && summary.rollback
          ? `rolled back (${summary.rollback.reason}), ${summary.rollback.verified ? 'verified' : 'NOT verified'}`
          : summary.outcome,
    });
    if (this.#context.output === 'text') {
      const { summaryText } = await import('../render/summary-text.js');
      const lines = summaryText(summary, {
        colors: this.#context.colors,
        timeline: this.#context.progressMode === 'live' && !this.#context.flags.quiet,
      });
      this.#lines(this.#context.flags.quiet ? lines.slice(0, 1) : lines);
    }
    return { summary, error, events };
  }

  async #showTraffic(prometheusUrl: string, candidate: Slot): Promise<void> {
    // A short range, so the table shows the routes in effect now rather than a blend.
    const query = trafficQuery(SERVICE, NAMESPACE, '5s');
    const candidateWorkload = `${SERVICE}-${candidate}`;
    this.#lines([this.#context.colors.dim(`  PromQL: ${query}`)]);
    const { rows, accepted } = await waitForTraffic(
      () => queryTraffic(prometheusUrl, query, this.#signal),
      (found) =>
        found.some((r) => r.source === 'release-tester' && r.destination === candidateWorkload) &&
        !found.some((r) => r.source !== 'release-tester' && r.destination === candidateWorkload) &&
        !found.some((r) => r.source === 'release-tester' && r.destination !== candidateWorkload),
      { timeoutMs: 20_000, intervalMs: 1000, signal: this.#signal },
    );
    this.#lines(trafficTable(rows, this.#context.colors));
    if (!accepted) {
      this.#problems.push(
        `Prometheus did not show release-tester alone on ${candidateWorkload} within 20s`,
      );
    }
  }

  #heading(text: string): void {
    if (this.#context.output !== 'text') return;
    this.#context.out();
    this.#context.out(this.#context.colors.bold(this.#context.colors.cyan(text)));
  }

  #lines(lines: readonly string[]): void {
    if (this.#context.output !== 'text' || this.#context.flags.quiet) return;
    for (const line of lines) this.#context.out(line);
  }
}
