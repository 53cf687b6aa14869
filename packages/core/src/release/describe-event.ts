/**
 * One human line per event: the timeline, plain CLI output and Kubernetes Event messages
 * all say the same thing the same way.
 */
import { formatLikelihoodRatio, percent, significant } from '../analysis/evidence-text.js';
import type { CheckResult, SequentialEvidence } from '../gates/metrics-provider.js';
import type { ReleaseEvent } from './release-events.js';
import type { ReleaseStep, SlotWeights } from './state-record.js';

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** `blue 90 / green 10`. */
export function describeWeights(weights: SlotWeights): string {
  return `blue ${weights.blue} / green ${weights.green}`;
}

/** `weight 25`, `bake 1m0s`, `pause`, `mirror 20%`. */
export function describeStep(step: ReleaseStep): string {
  if ('weight' in step) return `weight ${step.weight}%`;
  if ('mirror' in step) return `mirror ${step.mirror}%`;
  if ('bakeMs' in step) return `bake ${seconds(step.bakeMs)}`;
  return 'pause for promote';
}

/**
 * `success-rate=99.2 (pass min 99)`; a sequential check with its test's verdict:
 * `errors-vs-stable: rollback (fail: canary's rate above 1x the stable's: ...)`.
 */
export function describeCheck(result: CheckResult): string {
  if (result.sequential) {
    return `${result.name}: ${result.sequential.verdict} (${result.outcome}${result.reason ? `: ${result.reason}` : ''})`;
  }
  const value =
    result.value === undefined || Number.isNaN(result.value)
      ? 'n/a'
      : `${Number(result.value.toFixed(3))}`;
  const bound =
    result.min !== undefined
      ? ` min ${result.min}`
      : result.max !== undefined
        ? ` max ${result.max}`
        : '';
  return `${result.name}=${value} (${result.outcome}${bound}${result.reason ? `: ${result.reason}` : ''})`;
}

/**
 * A sequential check's evidence in one short line, for live progress and `status`:
 * `continue: rollback LR 3.2 of 100, promote LR 1.4 of 20; canary 3/250 (1.2%), stable
 * 10/2250 (0.44%); ratio 2.7 (0.9 to 7)`.
 */
export function describeEvidence(sequential: SequentialEvidence): string {
  const lr = (statistic: { logLikelihoodRatio: number; threshold: number }) =>
    `${formatLikelihoodRatio(statistic.logLikelihoodRatio)} of ${significant(statistic.threshold)}`;
  const share = (counts: { requests: number; events: number }) =>
    `${counts.events}/${counts.requests}${counts.requests > 0 ? ` (${percent(counts.events / counts.requests)})` : ''}`;
  const range = (
    lower: number | undefined,
    upper: number | undefined,
    format: (x: number) => string,
  ) =>
    lower === undefined && upper === undefined
      ? ''
      : ` (${lower === undefined ? '?' : format(lower)} to ${upper === undefined ? '?' : format(upper)})`;
  const slow = sequential.slowerThanMs === undefined ? '' : ` >${sequential.slowerThanMs}ms`;
  if (sequential.kind === 'compare') {
    const e = sequential.evidence;
    return (
      `${sequential.verdict}: rollback LR ${lr(e.rollback)}, promote LR ${lr(e.promotion)}; ` +
      `canary${slow} ${share(e.canary)}, stable ${share(e.stable)}` +
      (e.observedRatio === undefined
        ? ''
        : `; ratio ${significant(e.observedRatio)}${range(e.bounds.lower, e.bounds.upper, significant)}`)
    );
  }
  const e = sequential.evidence;
  return (
    `${sequential.verdict}: fail LR ${lr(e.fail)}, pass LR ${lr(e.pass)}; ` +
    `canary${slow} ${share(e.counts)}${range(e.bounds.lower, e.bounds.upper, percent)}`
  );
}

/** The line for one event. */
export function describeEvent(event: ReleaseEvent): string {
  switch (event.type) {
    case 'operation-started':
      return `${event.resumed ? 'resuming' : 'starting'} ${event.operation} of ${event.namespace}/${event.service} (operation ${event.id})`;
    case 'phase-changed':
      return `phase ${event.previous ?? 'none'} -> ${event.phase}`;
    case 'step-started':
      return `step ${event.index + 1}/${event.total}: ${describeStep(event.step)}`;
    case 'rollout-progress':
      return `deployment ${event.deployment}: ${event.summary}`;
    case 'deployment-changed':
      return `deployment ${event.deployment} ${event.created ? 'created' : 'updated'}: image ${event.image}, ${event.replicas} replicas`;
    case 'routes-applied':
      return `${event.description} (accepted, resourceVersion ${event.resourceVersion ?? '?'})`;
    case 'sync-started':
      return `waiting for proxies to ack: ${event.reason}`;
    case 'sync-progress':
      return `proxies synced ${event.synced}/${event.total} after ${seconds(event.elapsedMs)}${
        event.slowest.length > 0
          ? `; waiting for ${event.slowest.map((p) => p.proxy).join(', ')}`
          : ''
      }`;
    case 'sync-completed':
      return `all ${event.total} proxies in scope acked in ${seconds(event.durationMs)}`;
    case 'dataplane-verified':
      return `config_dump of ${event.proxies.length} prox${event.proxies.length === 1 ? 'y' : 'ies'} matches (${event.proxies.map((p) => p.proxy).join(', ')})`;
    case 'bake-started':
      return `baking ${seconds(event.durationMs)}${event.alreadyBakedMs > 0 ? ` (${seconds(event.alreadyBakedMs)} already done)` : ''}`;
    case 'checks-evaluated':
      return `checks ${event.verdict}${event.sequential ? ` (sequential: ${event.sequential.verdict})` : ''}: ${event.results.map(describeCheck).join(', ') || 'none'}`;
    case 'bake-ended':
      return event.ending === 'promoted-early'
        ? `bake ended early after ${seconds(event.bakedMs)}: every sequential check says promote; ${event.reason}`
        : event.ending === 'pause'
          ? `bake ended after ${seconds(event.bakedMs)}, pausing: ${event.reason}`
          : `bake done after ${seconds(event.bakedMs)}: ${event.reason}`;
    case 'rollback-started':
      return `rolling back (${event.reason}): ${event.message}`;
    case 'rollback-completed':
      return event.verified
        ? `rollback verified: every proxy acked the stable routes${
            event.timeToRestoreMs !== undefined
              ? `, ${seconds(event.timeToRestoreMs)} after the first failure`
              : ''
          }`
        : 'rollback NOT verified: a human must look';
    case 'paused':
      return `paused before step ${event.nextStep + 1}; run promote to continue`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'operation-finished':
      return `finished: ${event.outcome}`;
  }
}
