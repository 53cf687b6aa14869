/**
 * What a preflight check reports: findings as data, never exceptions. Each names the object
 * and field it concerns and a one-line fix, so a table, JSON or a pipeline log can show it.
 */
import type { ObjectRef } from '../errors.js';
import type { PreflightCheckId } from './check-ids.js';

/**
 * How bad a finding is. `error`: the release would misbehave (traffic not where the weights
 * say, checks blind); deploy and release refuse. `warning`: worth knowing, the release goes
 * on. `info`: context (an idle slot without pods, a check that could not look).
 */
export type FindingSeverity = 'error' | 'warning' | 'info';

/** Severities from worst to mildest: the order findings are listed in. */
export const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'info'];

/** One problem (or fact) a check found. */
export interface Finding {
  /** The check's stable id. */
  readonly id: PreflightCheckId;
  /** How bad it is. */
  readonly severity: FindingSeverity;
  /** The object concerned. */
  readonly object: ObjectRef;
  /** The field concerned, as a path in the object (`spec.ports[0].name`); `''` for the whole object. */
  readonly field: string;
  /** What is wrong and what it does to traffic. */
  readonly message: string;
  /** How to fix it, in one line. */
  readonly fix: string;
}

/** A check left out on purpose, and who asked. */
export interface SkippedCheck {
  /** The check. */
  readonly id: PreflightCheckId;
  /** `--skip-check` (or the library's `skipChecks`), or the spec's `preflight.skip`. */
  readonly source: 'option' | 'spec';
}

/** What preflight found for one service. */
export interface PreflightReport {
  /** Service name. */
  readonly service: string;
  /** Namespace. */
  readonly namespace: string;
  /** Every finding, errors first, then warnings, then info; in check order within each. */
  readonly findings: readonly Finding[];
  /** Checks that ran. */
  readonly checks: readonly PreflightCheckId[];
  /** Checks skipped on purpose. */
  readonly skipped: readonly SkippedCheck[];
  /** Number of error findings. */
  readonly errors: number;
  /** Number of warning findings. */
  readonly warnings: number;
}

/** `Service bookinfo/reviews spec.ports[0].name`. */
export function describeFindingTarget(finding: Pick<Finding, 'object' | 'field'>): string {
  const { object } = finding;
  const ref = `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
  return finding.field ? `${ref} ${finding.field}` : ref;
}

/**
 * The finding of a check that could not look: a fact it needs was not readable (RBAC, an
 * unreachable istiod). Informational: the check neither passes nor fails.
 */
export function notCheckedFinding(
  id: PreflightCheckId,
  object: ObjectRef,
  what: string,
  error: string,
  fix: string,
): Finding {
  return {
    id,
    severity: 'info',
    object,
    field: '',
    message: `not checked: ${what}: ${error}`,
    fix,
  };
}
