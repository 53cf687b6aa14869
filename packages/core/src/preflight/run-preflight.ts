/**
 * Running the checks over the facts: pure. Which checks run (skips), the findings of each,
 * ordered by severity, counted. The facts are read before, once (`read-cluster-facts.ts`).
 */
import { UsageError } from '../errors.js';
import { closestName } from '../spec/closest-name.js';
import { isPreflightCheckId, PREFLIGHT_CHECK_IDS, type PreflightCheckId } from './check-ids.js';
import { SEVERITIES, type Finding, type PreflightReport, type SkippedCheck } from './finding.js';
import type { PreflightCheck } from './preflight-check.js';
import type { FactName, PreflightContext, PreflightOperation } from './preflight-context.js';
import type { RouteBackendKindName } from '../spec/sections/target.js';

/** The checks that run for `operation` through `kind`, minus the skipped ones. */
export function selectChecks(
  checks: readonly PreflightCheck[],
  operation: PreflightOperation,
  skipped: readonly SkippedCheck[],
  kind: RouteBackendKindName = 'VirtualService',
): PreflightCheck[] {
  const skip = new Set(skipped.map((s) => s.id));
  return checks.filter(
    (check) =>
      !skip.has(check.id) &&
      (operation === 'doctor' || !check.doctorOnly) &&
      (check.routeKinds === undefined || check.routeKinds.includes(kind)),
  );
}

/** The facts the selected checks need. */
export function factsNeeded(checks: readonly PreflightCheck[]): Set<FactName> {
  return new Set(checks.flatMap((check) => check.needs));
}

/**
 * The skips asked for: the caller's (`--skip-check`, `skipChecks`) and the spec's
 * (`preflight.skip`), each id once, the caller's first.
 *
 * @throws UsageError for a caller's id that names no check (the spec's are validated with it).
 */
export function resolveSkips(
  optionIds: readonly string[] | undefined,
  specIds: readonly PreflightCheckId[],
): SkippedCheck[] {
  const skipped: SkippedCheck[] = [];
  for (const id of optionIds ?? []) {
    if (!isPreflightCheckId(id)) {
      const guess = closestName(id, PREFLIGHT_CHECK_IDS);
      throw new UsageError(
        `--skip-check "${id}": no such check${guess ? `; did you mean "${guess}"?` : ''} (checks: ${PREFLIGHT_CHECK_IDS.join(', ')})`,
      );
    }
    if (!skipped.some((s) => s.id === id)) skipped.push({ id, source: 'option' });
  }
  for (const id of specIds)
    if (!skipped.some((s) => s.id === id)) skipped.push({ id, source: 'spec' });
  return skipped;
}

/** Runs `checks` over `context` and reports their findings, worst first. */
export function runChecks(
  checks: readonly PreflightCheck[],
  context: PreflightContext,
  skipped: readonly SkippedCheck[],
): PreflightReport {
  const found: Finding[] = checks.flatMap((check) => check.run(context));
  const findings = SEVERITIES.flatMap((severity) => found.filter((f) => f.severity === severity));
  return {
    service: context.spec.service,
    namespace: context.spec.namespace,
    findings,
    checks: checks.map((check) => check.id),
    skipped,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
