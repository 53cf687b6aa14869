/**
 * The release spec as written: a YAML file (`-f release.yaml`), CLI flags, or library
 * options. Everything but `service` is optional; `resolveReleaseSpec` fills the defaults
 * by convention (see `resolved-release-spec.ts` for the result). Durations are strings
 * with units (`500ms`, `10s`, `1m30s`, `2h`). Credentials are never inline: only file
 * paths and environment variable names.
 *
 * Each section's types live with its fields and its resolution in `sections/`; this module
 * puts the sections together.
 */
import type { ChecksSpec } from './sections/checks.js';
import type { DeploySpec } from './sections/deploy.js';
import type { LockSpec } from './sections/lock.js';
import type { NotifyTargetSpec } from './sections/notify.js';
import type { PreflightSpec } from './sections/preflight.js';
import type { PrometheusSpec } from './sections/prometheus.js';
import type { RollbackSpec } from './sections/rollback.js';
import type { StrategySpec } from './sections/strategy.js';
import type { SyncSpec } from './sections/sync.js';
import type { TargetSpec } from './sections/target.js';

export type {
  ChecksSpec,
  CheckSpec,
  CustomCheckSpec,
  LatencyP99CheckSpec,
  SuccessRateCheckSpec,
  SuccessRateVsStableCheckSpec,
} from './sections/checks.js';
export type {
  DeploySpec,
  ExactHeaderMatchSpec,
  HeaderMatchSpec,
  PrefixHeaderMatchSpec,
  PreReleaseSpec,
  RegexHeaderMatchSpec,
} from './sections/deploy.js';
export type { LockSpec } from './sections/lock.js';
export type { PreflightSpec } from './sections/preflight.js';
export type { BasicAuthSpec, PrometheusSpec } from './sections/prometheus.js';
export type { RollbackSpec } from './sections/rollback.js';
export type {
  BakeStepSpec,
  MirrorStepSpec,
  PauseStepSpec,
  StepSpec,
  StrategySpec,
  StrategyType,
  WeightStepSpec,
} from './sections/strategy.js';
export type { IstiodSpec, SyncScopeSpec, SyncSpec } from './sections/sync.js';
export type { SlotSpec, SlotsSpec, TargetSpec } from './sections/target.js';

/** What a re-run does when it finds a release interrupted mid-way (a crashed pipeline). */
export type ResumePolicy = 'continue' | 'rollback';

/** The release spec. */
export interface ReleaseSpec {
  /** `switchyard.dev/v1alpha1`. Required in files; optional for library callers. */
  apiVersion?: 'switchyard.dev/v1alpha1' | undefined;
  /** `ReleaseSpec`. Required in files; optional for library callers. */
  kind?: 'ReleaseSpec' | undefined;
  /** The Kubernetes Service being released (`reviews`); every default name derives from it. */
  service: string;
  /** Namespace of the service. Undefined: the kube context's namespace. */
  namespace?: string | undefined;
  /** The objects switchyard manages. Undefined: all by convention. */
  target?: TargetSpec | undefined;
  /** How `deploy` puts a new version on the idle slot. Undefined: defaults. */
  deploy?: DeploySpec | undefined;
  /** How `release` shifts traffic. Undefined: the canary preset. */
  strategy?: StrategySpec | undefined;
  /** Prometheus checks evaluated while baking. Undefined: success rate and p99 latency. */
  checks?: ChecksSpec | undefined;
  /** The proxy sync gate after every route change. Undefined: defaults. */
  sync?: SyncSpec | undefined;
  /** Where checks query Prometheus. Undefined: Service `istio-system/prometheus:9090`. */
  prometheus?: PrometheusSpec | undefined;
  /** Rollback behaviour. Undefined: defaults. */
  rollback?: RollbackSpec | undefined;
  /** What a re-run does with an interrupted release. Undefined: `continue`. */
  onResume?: ResumePolicy | undefined;
  /** The release lock (a Lease). Undefined: defaults. */
  lock?: LockSpec | undefined;
  /** The checks deploy and release run before changing anything. Undefined: all of them. */
  preflight?: PreflightSpec | undefined;
  /**
   * Webhooks that receive lifecycle notifications. Undefined: none. Targets given as
   * overrides (`--notify`) are added to the file's, not replacing them.
   */
  notify?: NotifyTargetSpec[] | undefined;
}

/**
 * A deep partial of the spec: what CLI flags and library options produce. Given fields win
 * over the file. Objects merge field by field; arrays (steps, checks, headers, routes)
 * replace the file's array whole, except `notify`, whose targets add to the file's. An
 * undefined field means "not given".
 */
export type ReleaseSpecOverrides = DeepPartial<ReleaseSpec>;

/** Every object field optional, recursively; arrays are replaced whole, so their items stay complete. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;
