/**
 * The release engine: deploy, release, promote and rollback for one service, over the
 * ports in `ports.ts` and the Kubernetes access in `EngineKube`.
 *
 * Invariants it keeps:
 * - Everything that can be checked is checked before the lock is taken and before any
 *   write (bad input changes nothing, not even the Lease).
 * - Every route change and the release record that describes it leave in one JSON Patch;
 *   the record says which step is applied, so a re-run never applies a step twice.
 * - Every route change is followed by the proxy sync gate (and the data-plane verifier
 *   when enabled) before anything is measured or changed next, rollbacks included.
 * - A concurrent edit of the managed weights or of the record stops the operation without
 *   touching them.
 */
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { deployCandidate, type DeployOptions } from './deploy.js';
import type { EngineDependencies, OperationOptions } from './operation-context.js';
import { planOperation, type PlanOptions, type PlanReport } from './plan.js';
import { promoteRelease, type PromoteOptions } from './promote.js';
import { releaseCandidate } from './release.js';
import type { OperationSummary } from './release-events.js';
import { rollbackRelease } from './rollback.js';
import { releaseStatus, type StatusReport } from './status.js';

export type { EngineDependencies };

/** The release engine for one service, configured by a resolved spec. */
export class ReleaseEngine {
  readonly #spec: ResolvedReleaseSpec;
  readonly #deps: EngineDependencies;

  constructor(spec: ResolvedReleaseSpec, dependencies: EngineDependencies) {
    this.#spec = spec;
    this.#deps = dependencies;
  }

  // ---------------------------------------------------------------------------------------
  // deploy

  /** See `deployCandidate` (deploy.ts). */
  deploy(options: DeployOptions): Promise<OperationSummary> {
    return deployCandidate(this.#spec, this.#deps, options);
  }

  /** See `releaseCandidate` (release.ts). */
  release(options: OperationOptions = {}): Promise<OperationSummary> {
    return releaseCandidate(this.#spec, this.#deps, options);
  }

  /** See `promoteRelease` (promote.ts). */
  promote(options: PromoteOptions = {}): Promise<OperationSummary> {
    return promoteRelease(this.#spec, this.#deps, options);
  }

  /** See `rollbackRelease` (rollback.ts). */
  rollback(options: OperationOptions = {}): Promise<OperationSummary> {
    return rollbackRelease(this.#spec, this.#deps, options);
  }

  /** See `releaseStatus` (status.ts). */
  status(options: OperationOptions & { sync?: boolean } = {}): Promise<StatusReport> {
    return releaseStatus(this.#spec, this.#deps, options);
  }

  /** See `planOperation` (plan.ts). */
  plan(options: PlanOptions): Promise<PlanReport> {
    return planOperation(this.#spec, this.#deps, options);
  }
}
