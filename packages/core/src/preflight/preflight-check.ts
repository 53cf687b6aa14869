/**
 * The one interface every preflight check implements: a stable id, the severity of what it
 * reports when the problem is certain, the facts it needs, and a pure `run` over the facts.
 */
import type { PreflightCheckId } from './check-ids.js';
import type { Finding, FindingSeverity } from './finding.js';
import type { FactName, PreflightContext } from './preflight-context.js';
import type { RouteBackendKindName } from '../spec/sections/target.js';

/** A preflight check. */
export interface PreflightCheck {
  /** Stable id (`port-protocol`). */
  readonly id: PreflightCheckId;
  /** Severity of a certain problem; findings that depend on circumstances may be milder. */
  readonly severity: FindingSeverity;
  /** What it looks at, in a few words (`switchyard doctor --help`, docs). */
  readonly title: string;
  /** Facts it reads besides the core objects; the runner reads only facts some check needs. */
  readonly needs: readonly FactName[];
  /**
   * Only for `doctor`: deploy and release report these problems themselves, with their own
   * errors, so their preflight leaves the check out.
   */
  readonly doctorOnly?: boolean | undefined;
  /**
   * The kinds of routing object the check is about; undefined: both. A check about the
   * other kind is not run (nor listed in the report's checks).
   */
  readonly routeKinds?: readonly RouteBackendKindName[] | undefined;
  /** The findings; pure, never throws for a problem it finds. */
  run(context: PreflightContext): Finding[];
}
