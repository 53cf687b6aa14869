/**
 * Preflight as the library runs it: `diagnose` for `switchyard doctor` (every check, a
 * report), `checkBeforeChange` for deploy and release (the checks they do not already make
 * themselves, before any lock or write: errors throw PreflightFailedError, warnings and
 * skips become `warning` events, the operation goes on).
 */
import { PreflightFailedError } from '../errors.js';
import { SLOTS } from '../istio/route-target.js';
import type { ReleaseEvent } from '../release/release-events.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { describeFindingTarget, type PreflightReport } from './finding.js';
import { PREFLIGHT_CHECKS } from './preflight-checks.js';
import type { PreflightOperation } from './preflight-context.js';
import { readClusterFacts, type ClusterFactSources } from './read-cluster-facts.js';
import { factsNeeded, resolveSkips, runChecks, selectChecks } from './run-preflight.js';

/** Options of {@link diagnose} and {@link checkBeforeChange}. */
export interface PreflightOptions {
  /** The resolved spec (its `preflight.skip` is honoured). */
  spec: ResolvedReleaseSpec;
  /** Check ids to skip besides the spec's (`--skip-check`); unknown ids are a UsageError. */
  skipChecks?: readonly string[] | undefined;
  /** Aborts the reads. */
  signal?: AbortSignal | undefined;
}

async function run(
  sources: ClusterFactSources,
  options: PreflightOptions,
  operation: PreflightOperation,
): Promise<{ report: PreflightReport; targetFound: boolean }> {
  const skipped = resolveSkips(options.skipChecks, options.spec.preflight.skip);
  const kind = options.spec.target.kind ?? 'VirtualService';
  const checks = selectChecks(PREFLIGHT_CHECKS, operation, skipped, kind);
  const context = await readClusterFacts(sources, {
    spec: options.spec,
    operation,
    needs: factsNeeded(checks),
    signal: options.signal,
  });
  const targetFound =
    context.service !== undefined &&
    (kind === 'HTTPRoute'
      ? context.httpRoute !== undefined &&
        SLOTS.every(
          (slot) =>
            context.backendServices.get(options.spec.target.slots[slot].service) !== undefined,
        )
      : context.virtualService !== undefined && context.destinationRule !== undefined);
  return { report: runChecks(checks, context, skipped), targetFound };
}

/** Every check over the cluster as it is now: what `switchyard doctor` prints. Changes nothing. */
export async function diagnose(
  sources: ClusterFactSources,
  options: PreflightOptions,
): Promise<PreflightReport> {
  return (await run(sources, options, 'doctor')).report;
}

/** The `warning` event text of a skipped check. */
export function skipMessage(skip: PreflightReport['skipped'][number]): string {
  return `preflight: skipped check ${skip.id} (${skip.source === 'option' ? '--skip-check' : 'preflight.skip in the spec'})`;
}

/**
 * The preflight of deploy and release: the checks over the cluster as it is now, before any
 * lock or write. Warnings and skips go to `onEvent` as `warning` events.
 *
 * When the Service or the routing object is missing (its VirtualService and DestinationRule,
 * or its HTTPRoute and slot Services), nothing is checked: the operation reports that
 * itself, with its own error.
 *
 * @throws PreflightFailedError listing the error findings; nothing was changed.
 */
export async function checkBeforeChange(
  sources: ClusterFactSources,
  options: PreflightOptions & {
    operation: 'deploy' | 'release';
    onEvent?: ((event: ReleaseEvent) => void) | undefined;
  },
): Promise<PreflightReport | undefined> {
  const { report, targetFound } = await run(sources, options, options.operation);
  if (!targetFound) return undefined;
  const emit = (message: string): void =>
    options.onEvent?.({ type: 'warning', at: sources.clock.now(), message });
  for (const skip of report.skipped) emit(skipMessage(skip));
  for (const finding of report.findings.filter((f) => f.severity === 'warning'))
    emit(
      `preflight ${finding.id}: ${describeFindingTarget(finding)}: ${finding.message} (fix: ${finding.fix})`,
    );
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0)
    throw new PreflightFailedError(
      errors,
      report.skipped.map((s) => s.id),
    );
  return report;
}
