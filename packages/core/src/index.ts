/**
 * `@switchyard/core`: what its callers use (the CLI, test-utils, the examples, the READMEs),
 * and nothing else; `public-api.test.ts` holds it to that. Errors are served by
 * `@switchyard/core/errors` and preflight check ids by
 * `@switchyard/core/preflight-check-ids`. Tests reach internals through
 * `internal-testing.ts`, which is not published (ARCHITECTURE.md, "Core's public API").
 */

// The library: one function per operation, its input and what it returns.
export { deploy, doctor, plan, promote, release, rollback, status } from './switchyard.js';
export type { OperationInput, RuntimeOptions } from './switchyard.js';
export type { OperationOutcome, OperationSummary, ReleaseEvent } from './release/release-events.js';
export type { StatusReport } from './release/status.js';
export type { PlanReport } from './release/plan.js';
export type { FindingSeverity, PreflightReport } from './preflight/finding.js';
export type { CheckResult } from './gates/metrics-provider.js';
export type { ReleaseStep, Slot, SlotWeights } from './release/state-record.js';

// The release spec, as flags and files write it.
export type {
  CheckSpec,
  HeaderMatchSpec,
  ReleaseSpecOverrides,
  StepSpec,
} from './spec/release-spec.js';
export { builtinCheckType } from './spec/check-types.js';
export { parseDuration } from './spec/duration.js';

// Describing events, findings and weights in words, as the CLI prints them.
export {
  describeCheck,
  describeEvidence,
  describeEvent,
  describeStep,
  describeWeights,
} from './release/describe-event.js';
export { describeFindingTarget, SEVERITIES } from './preflight/finding.js';

// The route type, and the permissions a pipeline needs.
export type { VirtualService } from './istio/types.js';
export { REQUIRED_PERMISSIONS } from './kube/required-permissions.js';
