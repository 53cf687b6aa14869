/**
 * Progress on a terminal: a block redrawn in place (log-update) with the current step, the
 * weights as a blue/green bar, proxy sync with the slowest pending proxies, the bake and
 * the latest check values. Warnings and rollbacks are printed above the block so they stay
 * on screen; the full story follows as the summary's timeline.
 */
import { createLogUpdate } from 'log-update';
import {
  describeCheck,
  describeEvent,
  describeEvidence,
  describeStep,
  type CheckResult,
  type ReleaseEvent,
  type ReleaseStep,
  type SlotWeights,
} from '@switchyard/core';
import type { UnsyncedProxy } from '@switchyard/core/errors';
import type { CliContext, Colors } from '../cli-context.js';
import { formatDurationText } from './duration-text.js';
import type { ProgressReporter } from './progress-reporter.js';
import { weightsBar } from './weights-bar.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 120;

interface SyncState {
  reason: string;
  synced: number;
  total: number;
  startedAt: number;
  slowest: readonly UnsyncedProxy[];
  done: boolean;
  durationMs: number;
}

/** What the block shows, updated by events. */
interface LiveState {
  title: string;
  startedAt: number;
  phase: string | undefined;
  step: { index: number; total: number; step: ReleaseStep } | undefined;
  weights: SlotWeights | undefined;
  rollout: string | undefined;
  sync: SyncState | undefined;
  bake: { startedAt: number; durationMs: number; alreadyBakedMs: number } | undefined;
  checks: { verdict: string; results: readonly CheckResult[]; failures: number } | undefined;
  rollback: string | undefined;
  finished: string | undefined;
}

/** The redrawn progress block. */
export class LiveProgress implements ProgressReporter {
  readonly #context: CliContext;
  readonly #colors: Colors;
  readonly #log: ReturnType<typeof createLogUpdate>;
  readonly #timer: NodeJS.Timeout;
  #frame = 0;
  #stopped = false;
  readonly #state: LiveState = {
    title: 'connecting',
    startedAt: Date.now(),
    phase: undefined,
    step: undefined,
    weights: undefined,
    rollout: undefined,
    sync: undefined,
    bake: undefined,
    checks: undefined,
    rollback: undefined,
    finished: undefined,
  };

  private constructor(context: CliContext) {
    this.#context = context;
    this.#colors = context.colors;
    // The cursor stays visible: nothing to restore if the process dies mid-release.
    this.#log = createLogUpdate(context.streams.stdout, { showCursor: true });
    this.#timer = setInterval(() => {
      this.#frame++;
      this.#draw();
    }, FRAME_MS);
    // The spinner must never keep a finished CLI alive.
    this.#timer.unref();
  }

  /** Starts drawing. */
  static start(context: CliContext): LiveProgress {
    const live = new LiveProgress(context);
    live.#draw();
    return live;
  }

  onEvent(event: ReleaseEvent): void {
    if (this.#stopped) return;
    const state = this.#state;
    switch (event.type) {
      case 'operation-started':
        state.title = `${event.resumed ? 'resuming ' : ''}${event.operation} ${event.namespace}/${event.service} (operation ${event.id})`;
        state.startedAt = event.at;
        break;
      case 'phase-changed':
        state.phase = event.phase;
        break;
      case 'step-started':
        state.step = { index: event.index, total: event.total, step: event.step };
        state.bake = undefined;
        break;
      case 'rollout-progress':
        state.rollout = `${event.deployment}: ${event.summary}`;
        break;
      case 'deployment-changed':
        state.rollout = `${event.deployment}: image ${event.image}, ${event.replicas} replicas`;
        break;
      case 'routes-applied':
        if (event.weights) state.weights = event.weights;
        break;
      case 'sync-started':
        state.sync = {
          reason: event.reason,
          synced: 0,
          total: 0,
          startedAt: event.at,
          slowest: [],
          done: false,
          durationMs: 0,
        };
        break;
      case 'sync-progress':
        if (state.sync) {
          state.sync.synced = event.synced;
          state.sync.total = event.total;
          state.sync.slowest = event.slowest;
        }
        break;
      case 'sync-completed':
        if (state.sync) {
          state.sync.synced = event.synced;
          state.sync.total = event.total;
          state.sync.done = true;
          state.sync.durationMs = event.durationMs;
          state.sync.slowest = [];
        }
        break;
      case 'bake-started':
        state.bake = {
          startedAt: event.at,
          durationMs: event.durationMs,
          alreadyBakedMs: event.alreadyBakedMs,
        };
        break;
      case 'checks-evaluated':
        state.checks = {
          verdict: event.verdict,
          results: event.results,
          failures: event.consecutiveFailures,
        };
        break;
      case 'bake-ended':
        if (event.ending !== 'time-up') this.#persist(describeEvent(event), event.at);
        break;
      case 'rollback-started':
        state.rollback = `rolling back (${event.reason})`;
        this.#persist(this.#colors.yellow(describeEvent(event)), event.at);
        break;
      case 'rollback-completed':
        state.rollback = event.verified ? 'rollback verified' : 'rollback NOT verified';
        break;
      case 'warning':
        this.#persist(this.#colors.yellow(describeEvent(event)), event.at);
        break;
      case 'paused':
        state.finished = describeEvent(event);
        break;
      case 'operation-finished':
        state.finished = `finished: ${event.outcome}`;
        break;
      case 'dataplane-verified':
        break;
    }
    this.#draw();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#log.clear();
  }

  #persist(line: string, at: number): void {
    this.#log.clear();
    const time = new Date(at).toISOString().slice(11, 19);
    this.#context.out(`${this.#colors.dim(time)} ${line}`);
  }

  #draw(): void {
    if (this.#stopped) return;
    this.#log(this.#render(Date.now()));
  }

  #render(now: number): string {
    const c = this.#colors;
    const s = this.#state;
    const label = (text: string): string => c.dim(text.padEnd(9));
    const lines: string[] = [];
    const spinner = s.finished ? '•' : c.cyan(SPINNER[this.#frame % SPINNER.length] ?? '-');
    lines.push(
      `${spinner} ${c.bold(s.title)}  ${c.dim(formatDurationText(now - s.startedAt))}${
        s.phase ? `  ${c.dim('phase')} ${s.phase}` : ''
      }`,
    );
    if (s.step) {
      lines.push(
        `  ${label('step')}${s.step.index + 1}/${s.step.total}  ${describeStep(s.step.step)}`,
      );
    }
    if (s.weights) lines.push(`  ${label('weights')}${weightsBar(s.weights, c)}`);
    if (s.rollout && !s.step) lines.push(`  ${label('rollout')}${s.rollout}`);
    if (s.sync) lines.push(`  ${label('proxies')}${this.#renderSync(s.sync, now)}`);
    if (s.bake) {
      const baked = Math.min(s.bake.durationMs, s.bake.alreadyBakedMs + (now - s.bake.startedAt));
      lines.push(
        `  ${label('bake')}${formatDurationText(baked)} / ${formatDurationText(s.bake.durationMs)}`,
      );
    }
    if (s.checks) {
      const verdict =
        s.checks.verdict === 'pass'
          ? c.green('pass')
          : s.checks.verdict === 'fail'
            ? c.red(`fail (${s.checks.failures} in a row)`)
            : c.yellow(s.checks.verdict);
      const threshold = s.checks.results.filter((r) => r.sequential === undefined);
      lines.push(
        `  ${label('checks')}${verdict}: ${threshold.map((r) => describeCheck(r)).join(', ') || c.dim('sequential')}`,
      );
      // Sequential checks: one line each with their evidence, which a reason would bury.
      for (const result of s.checks.results) {
        if (result.sequential === undefined) continue;
        const line = `${result.name} ${describeEvidence(result.sequential)}`;
        lines.push(
          `  ${label('')}${result.outcome === 'fail' ? c.red(line) : result.outcome === 'pass' ? line : c.yellow(`${line} (${result.outcome})`)}`,
        );
      }
    }
    if (s.rollback) lines.push(`  ${label('rollback')}${c.yellow(s.rollback)}`);
    if (s.finished) lines.push(`  ${c.dim(s.finished)}`);
    return lines.join('\n');
  }

  #renderSync(sync: SyncState, now: number): string {
    const c = this.#colors;
    if (sync.done) {
      return `${c.green(`${sync.synced}/${sync.total} synced`)} in ${formatDurationText(sync.durationMs)} ${c.dim(`(${sync.reason})`)}`;
    }
    const slowest = sync.slowest[0];
    return `${sync.synced}/${sync.total} synced, ${formatDurationText(now - sync.startedAt)} ${c.dim(`(${sync.reason})`)}${
      slowest
        ? `; slowest pending ${c.yellow(slowest.proxy)} ${slowest.state} ${formatDurationText(slowest.waitingMs)}${
            sync.slowest.length > 1 ? ` +${sync.slowest.length - 1}` : ''
          }`
        : ''
    }`;
  }
}
