/**
 * `switchyard status` as text: what serves users, what is deployed, whether the live
 * weights still match what switchyard wrote, where a release is, who holds the lock,
 * whether the proxies are synced, and the latest check values.
 */
import {
  describeEvidence,
  describeStep,
  describeWeights,
  type StatusReport,
} from '@switchyard/core';
import type { Colors } from '../cli-context.js';
import { weightsBar } from './weights-bar.js';

function sameWeights(a: StatusReport['weights'], b: StatusReport['weights']): boolean {
  return a.blue === b.blue && a.green === b.green;
}

/** The status block as lines (no clock-dependent text, so equal reports render equally). */
export function statusText(report: StatusReport, colors: Colors): string[] {
  const c = colors;
  const label = (text: string): string => c.dim(text.padEnd(13));
  const phaseColor =
    report.phase === 'failed'
      ? c.red
      : report.phase === 'releasing' || report.phase === 'rolling-back' || report.phase === 'paused'
        ? c.yellow
        : c.green;
  const lines = [
    `${c.bold(`${report.namespace}/${report.service}`)}  phase ${phaseColor(report.phase)}`,
  ];
  for (const slot of ['blue', 'green'] as const) {
    const info = report.slots[slot];
    const role =
      slot === report.activeSlot ? 'active' : slot === report.candidateSlot ? 'candidate' : 'idle';
    const paint = slot === 'blue' ? c.blue : c.green;
    lines.push(
      `  ${paint(slot.padEnd(13))}${role.padEnd(10)}${info.deployment}  ${
        info.exists
          ? `${info.image ?? '(no image)'}  ${info.ready}/${info.replicas} ready`
          : c.dim('(no Deployment)')
      }`,
    );
  }
  lines.push(`  ${label('weights')}${weightsBar(report.weights, c)}`);
  if (report.recordedWeights && !sameWeights(report.recordedWeights, report.weights)) {
    lines.push(
      `  ${label('')}${c.red(`diverged: switchyard last wrote ${describeWeights(report.recordedWeights)}; someone changed them since`)}`,
    );
  } else if (report.recordedWeights) {
    lines.push(`  ${label('')}${c.dim('matches what switchyard last wrote')}`);
  }
  lines.push(
    `  ${label('routes')}pre-release header route ${report.headerRoute ? 'on' : 'off'}; mirror ${report.mirrorPercent}%`,
  );
  if (report.step) {
    lines.push(
      `  ${label('step')}${report.step.index + 1}/${report.step.total}  ${describeStep(report.step.step)} (${report.step.stage})`,
    );
  }
  if (report.operation) {
    lines.push(
      `  ${label('operation')}${report.operation.kind} ${report.operation.id} since ${report.operation.startedAt}`,
    );
  }
  lines.push(
    `  ${label('lock')}${
      report.lock
        ? `held by "${report.lock.holder}" until ${report.lock.expiresAt}${report.lock.expired ? c.dim(' (expired)') : ''}`
        : 'free'
    }`,
  );
  lines.push(`  ${label('data plane')}${report.dataplane}`);
  const sync = report.sync;
  if (sync && 'error' in sync) {
    lines.push(`  ${label('proxies')}${c.yellow(`sync state unavailable: ${sync.error}`)}`);
  } else if (sync) {
    const pending = sync.notSynced
      .slice(0, 3)
      .map((p) => `${p.proxy} ${p.state}`)
      .join(', ');
    lines.push(
      `  ${label('proxies')}${sync.synced === sync.total ? c.green(`${sync.synced}/${sync.total} synced`) : c.yellow(`${sync.synced}/${sync.total} synced`)} (${sync.istiodReplicas} istiod)${pending ? `; not synced: ${pending}${sync.notSynced.length > 3 ? ` +${sync.notSynced.length - 3}` : ''}` : ''}`,
    );
  }
  if (report.lastChecks.length > 0) {
    lines.push(
      `  ${label('last checks')}${report.lastChecks
        .map((check) => {
          const value = check.value === undefined ? 'n/a' : String(Number(check.value.toFixed(3)));
          const text = `${check.name}=${value} (${check.outcome})`;
          return check.outcome === 'pass' ? text : c.red(text);
        })
        .join(', ')}  ${c.dim(`at ${report.lastChecks[0]?.at ?? '?'}`)}`,
    );
  }
  report.checks.forEach((check, index) => {
    lines.push(`  ${label(index === 0 ? 'checks' : '')}${check.name}: ${c.dim(check.rule)}`);
    if (check.evidence) {
      const text = describeEvidence(check.evidence);
      lines.push(`  ${label('')}  ${check.evidence.verdict === 'rollback' ? c.red(text) : text}`);
    }
  });
  if (report.reason) lines.push(`  ${label('reason')}${report.reason}`);
  if (report.routeState) lines.push(`  ${label('route state')}${c.red(report.routeState)}`);
  const last = report.history[0];
  if (last) {
    lines.push(
      `  ${label('last release')}${last.outcome} ${last.fromSlot} -> ${last.toSlot}${last.image ? ` (${last.image})` : ''} at ${last.endedAt}${last.reason ? `: ${last.reason}` : ''}`,
    );
  }
  return lines;
}
