/**
 * The release spec after defaults, overrides and validation: every field decided, every
 * duration in milliseconds, the step list expanded from its preset, deeply frozen. This
 * is what the engine, gates and CLI read; they never look at the raw spec.
 *
 * Each section's resolved types live with its fields in `sections/`; this module puts them
 * together.
 */
import type { ResumePolicy } from './release-spec.js';
import type { ResolvedChecks } from './sections/checks.js';
import type { ResolvedDeploy } from './sections/deploy.js';
import type { ResolvedLock } from './sections/lock.js';
import type { ResolvedNotifyTarget } from './sections/notify.js';
import type { ResolvedPreflight } from './sections/preflight.js';
import type { ResolvedPrometheus } from './sections/prometheus.js';
import type { ResolvedRollback } from './sections/rollback.js';
import type { ResolvedStrategy } from './sections/strategy.js';
import type { ResolvedSync } from './sections/sync.js';
import type { ResolvedTarget } from './sections/target.js';

export type { CredentialSource } from './credential-fields.js';
export type { ResolvedCheck, ResolvedChecks } from './sections/checks.js';
export type { ResolvedDeploy, ResolvedPreRelease } from './sections/deploy.js';
export type { ResolvedLock } from './sections/lock.js';
export type { NotifyUrlSource, ResolvedNotifyTarget } from './sections/notify.js';
export type { ResolvedPreflight } from './sections/preflight.js';
export type {
  PrometheusAuth,
  PrometheusEndpoint,
  ResolvedPrometheus,
} from './sections/prometheus.js';
export type { ResolvedRollback } from './sections/rollback.js';
export type { ResolvedStrategy } from './sections/strategy.js';
export type { ResolvedIstiod, ResolvedSync, ResolvedSyncScope } from './sections/sync.js';
export type { ResolvedSlot, ResolvedTarget, RouteBackendKindName } from './sections/target.js';

/** The fully resolved release spec. */
export interface ResolvedReleaseSpec {
  /** Service name. */
  readonly service: string;
  /** Namespace of the service and of every object below. */
  readonly namespace: string;
  /** Objects the release works on. */
  readonly target: ResolvedTarget;
  /** Deploy settings. */
  readonly deploy: ResolvedDeploy;
  /** Traffic strategy with its expanded steps. */
  readonly strategy: ResolvedStrategy;
  /** Prometheus checks. */
  readonly checks: ResolvedChecks;
  /** Proxy sync gate. */
  readonly sync: ResolvedSync;
  /** Prometheus access. */
  readonly prometheus: ResolvedPrometheus;
  /** Rollback behaviour. */
  readonly rollback: ResolvedRollback;
  /** What a re-run does with an interrupted release. */
  readonly onResume: ResumePolicy;
  /** Release lock. */
  readonly lock: ResolvedLock;
  /** Preflight checks. */
  readonly preflight: ResolvedPreflight;
  /** Webhooks receiving lifecycle notifications, the file's first; empty: none. */
  readonly notify: readonly ResolvedNotifyTarget[];
}
