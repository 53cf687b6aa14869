/**
 * The release spec as written: a YAML file (`-f release.yaml`), CLI flags, or library
 * options. Everything but `service` is optional; `resolveReleaseSpec` fills the defaults
 * by convention (see `resolved-release-spec.ts` for the result). Durations are strings
 * with units (`500ms`, `10s`, `1m30s`, `2h`). Credentials are never inline: only file
 * paths and environment variable names.
 */
import type { PreflightCheckId } from '../preflight/check-ids.js';
import type { NotifyTargetSpec } from './notify-spec.js';

/** Strategy presets, or `custom` for an explicit step list. */
export type StrategyType = 'canary' | 'bluegreen' | 'custom';

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

/** The preflight checks (`switchyard doctor`) deploy and release run first. */
export interface PreflightSpec {
  /**
   * Check ids to leave out on purpose (`port-protocol`, `proxy-sync`, ...); each skip is
   * printed. Undefined: none.
   */
  skip?: PreflightCheckId[] | undefined;
}

/** The VirtualService, DestinationRule and Deployments a release works on. */
export interface TargetSpec {
  /** VirtualService name (same namespace). Undefined: the service name. */
  virtualService?: string | undefined;
  /** DestinationRule name (same namespace). Undefined: the service name. */
  destinationRule?: string | undefined;
  /** Destination host in the routes, as written there. Undefined: the service name. */
  host?: string | undefined;
  /**
   * Names of the HTTP routes whose weights switchyard manages. Undefined: found
   * automatically (the routes whose destinations are the two subsets of `host`).
   */
  routes?: string[] | undefined;
  /** Pod label that tells the slots apart (DestinationRule subset selector). Undefined: `version`. */
  slotLabel?: string | undefined;
  /** The two slots. Undefined: by convention, see `SlotSpec`. */
  slots?: SlotsSpec | undefined;
  /** Container whose image `deploy` sets. Undefined: the Deployment's only container. */
  container?: string | undefined;
}

/** The blue and green slots. */
export interface SlotsSpec {
  /** The blue slot. Undefined: `<service>-blue`, subset `blue`. */
  blue?: SlotSpec | undefined;
  /** The green slot. Undefined: `<service>-green`, subset `green`. */
  green?: SlotSpec | undefined;
}

/** One slot: a Deployment and the DestinationRule subset selecting its pods. */
export interface SlotSpec {
  /** Deployment name. Undefined: `<service>-<slot>`. */
  deployment?: string | undefined;
  /** DestinationRule subset name. Undefined: the slot name (`blue` / `green`). */
  subset?: string | undefined;
  /** Value of `slotLabel` on the slot's pods. Undefined: the subset name. */
  labelValue?: string | undefined;
}

/** How `deploy` works. */
export interface DeploySpec {
  /** A header route to the candidate before any user traffic. Undefined: no header route. */
  preRelease?: PreReleaseSpec | undefined;
  /** How long the candidate Deployment may take to become ready. Undefined: `5m`. */
  rolloutTimeout?: string | undefined;
}

/** The pre-release route: requests carrying these headers go to the candidate. */
export interface PreReleaseSpec {
  /** Header conditions, all of which must match (AND). At least one. */
  headers: HeaderMatchSpec[];
}

/** One header condition: a name and exactly one of `exact`, `prefix`, `regex`. */
export type HeaderMatchSpec = ExactHeaderMatchSpec | PrefixHeaderMatchSpec | RegexHeaderMatchSpec;

/** Header equals a value. */
export interface ExactHeaderMatchSpec {
  /** Lowercase HTTP header name (`x-release`). */
  name: string;
  /** The exact value. */
  exact: string;
  /** Not with `exact`. */
  prefix?: undefined;
  /** Not with `exact`. */
  regex?: undefined;
}

/** Header starts with a value. */
export interface PrefixHeaderMatchSpec {
  /** Lowercase HTTP header name. */
  name: string;
  /** Not with `prefix`. */
  exact?: undefined;
  /** The prefix. */
  prefix: string;
  /** Not with `prefix`. */
  regex?: undefined;
}

/** Header matches an RE2 regular expression (Envoy's dialect: no lookaround, no backreferences). */
export interface RegexHeaderMatchSpec {
  /** Lowercase HTTP header name. */
  name: string;
  /** Not with `regex`. */
  exact?: undefined;
  /** Not with `regex`. */
  prefix?: undefined;
  /** The regular expression; it must match the whole value. */
  regex: string;
}

/** How traffic moves to the candidate. */
export interface StrategySpec {
  /**
   * Preset, or `custom`. Undefined: `custom` when `steps` is given, else `canary`.
   * `canary`: weight 10, bake, 25, bake, 50, bake, 100, bake. `bluegreen`: (mirror, bake
   * when `mirror` > 0), weight 100, bake.
   */
  type?: StrategyType | undefined;
  /**
   * Explicit steps; replace the preset. Weight steps must be strictly increasing and the
   * last one must be 100. Undefined: the preset's steps.
   */
  steps?: StepSpec[] | undefined;
  /** Bake after each weight (and mirror) step of a preset. Undefined: `1m`. Not with `steps`. */
  bake?: string | undefined;
  /**
   * `bluegreen` only: percent of traffic mirrored to the candidate (responses discarded)
   * and baked before the switch; 0 skips it. Undefined: 0.
   */
  mirror?: number | undefined;
  /** After the release completes, scale the old slot to zero. Undefined: false (kept warm for an instant rollback). */
  scaleDownOld?: boolean | undefined;
}

/** One step of a release: exactly one of `weight`, `bake`, `pause`, `mirror`. */
export type StepSpec = WeightStepSpec | BakeStepSpec | PauseStepSpec | MirrorStepSpec;

/** Route this percent of traffic to the candidate (after the proxies synced). */
export interface WeightStepSpec {
  /** Percent, 1..100. */
  weight: number;
  /** Not in a weight step. */
  bake?: undefined;
  /** Not in a weight step. */
  pause?: undefined;
  /** Not in a weight step. */
  mirror?: undefined;
}

/** Wait this long while checks run. */
export interface BakeStepSpec {
  /** Not in a bake step. */
  weight?: undefined;
  /** Duration, at least `checks.interval` when there are checks. */
  bake: string;
  /** Not in a bake step. */
  pause?: undefined;
  /** Not in a bake step. */
  mirror?: undefined;
}

/** Stop until `switchyard promote`. */
export interface PauseStepSpec {
  /** Not in a pause step. */
  weight?: undefined;
  /** Not in a pause step. */
  bake?: undefined;
  /** Always `true`. */
  pause: true;
  /** Not in a pause step. */
  mirror?: undefined;
}

/** Copy this percent of stable traffic to the candidate (shadow traffic, responses discarded). */
export interface MirrorStepSpec {
  /** Not in a mirror step. */
  weight?: undefined;
  /** Not in a mirror step. */
  bake?: undefined;
  /** Not in a mirror step. */
  pause?: undefined;
  /** Percent, 1..100. Only before the last weight step: afterwards there is no stable traffic. */
  mirror: number;
}

/** Prometheus checks and how their results decide. */
export interface ChecksSpec {
  /** Time between evaluations. Undefined: `10s`. At most `window`. */
  interval?: string | undefined;
  /** Range each query covers (`{{window}}`). Undefined: `1m`. At least 2 × `scrapeInterval`. */
  window?: string | undefined;
  /** Prometheus scrape interval assumed by the window rule. Undefined: `15s`. */
  scrapeInterval?: string | undefined;
  /** Consecutive failed evaluations that roll back. Undefined: 2. */
  failureLimit?: number | undefined;
  /** Consecutive inconclusive evaluations (no or too little data) that roll back. Undefined: 3. */
  inconclusiveLimit?: number | undefined;
  /** Fewer candidate requests in the window make an evaluation inconclusive. Undefined: 20. */
  minRequests?: number | undefined;
  /**
   * The checks. Undefined: `success-rate` (min 99) and `latency-p99` (max 500). An empty
   * list disables metric checks: bakes only wait.
   */
  items?: CheckSpec[] | undefined;
}

/** One check: a built-in type with an optional threshold, or a custom query. */
export type CheckSpec =
  SuccessRateCheckSpec | LatencyP99CheckSpec | SuccessRateVsStableCheckSpec | CustomCheckSpec;

/** Percent of candidate requests not answered with a 5xx nor, for gRPC, a non-OK status. */
export interface SuccessRateCheckSpec {
  /** `success-rate`. */
  type: 'success-rate';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Lowest passing percent, 0..100. Undefined: 99. */
  min?: number | undefined;
  /** Not for `success-rate` (use `min`). */
  max?: undefined;
  /** Not for `success-rate`. */
  maxDegradation?: undefined;
}

/** p99 request duration of the candidate, in milliseconds. */
export interface LatencyP99CheckSpec {
  /** `latency-p99`. */
  type: 'latency-p99';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `latency-p99` (use `max`). */
  min?: undefined;
  /** Highest passing p99 in milliseconds. Undefined: 500. */
  max?: number | undefined;
  /** Not for `latency-p99`. */
  maxDegradation?: undefined;
}

/** Candidate error rate compared with the stable slot's. */
export interface SuccessRateVsStableCheckSpec {
  /** `success-rate-vs-stable`. */
  type: 'success-rate-vs-stable';
  /** Name shown in events and the release record; unique among the checks. Undefined: the type. */
  name?: string | undefined;
  /** Not for built-ins. */
  query?: undefined;
  /** Not for `success-rate-vs-stable` (use `maxDegradation`). */
  min?: undefined;
  /** Not for `success-rate-vs-stable` (use `maxDegradation`). */
  max?: undefined;
  /** Percentage points the candidate's error rate may exceed the stable one's, 0..100. Undefined: 1. */
  maxDegradation?: number | undefined;
}

/** A PromQL query of your own, compared with `min` and/or `max`. */
export interface CustomCheckSpec {
  /** `custom`, or undefined (a check with a `query` is custom). */
  type?: 'custom' | undefined;
  /** Required for custom checks; unique among the checks. */
  name: string;
  /**
   * PromQL returning one number. Variables: `{{service}}`, `{{namespace}}`, `{{workload}}`
   * (candidate Deployment), `{{stableWorkload}}`, `{{slot}}` (candidate label value), `{{window}}`.
   */
  query: string;
  /** Lowest passing value. Undefined: no lower bound (at least one of `min` and `max` is required). */
  min?: number | undefined;
  /** Highest passing value. Undefined: no upper bound (at least one of `min` and `max` is required). */
  max?: number | undefined;
  /** Not for custom checks (use `max`). */
  maxDegradation?: undefined;
}

/** The proxy sync gate. */
export interface SyncSpec {
  /** How long proxies may take to acknowledge a route change. Undefined: `2m`. */
  timeout?: string | undefined;
  /** Time between sync status polls. Undefined: `500ms`. */
  pollInterval?: string | undefined;
  /** Share of in-scope proxies that must be synced, 0 < r <= 1. Undefined: 1 (all). */
  requiredRatio?: number | undefined;
  /** Which proxies count. Undefined: every proxy in the mesh. */
  scope?: SyncScopeSpec | undefined;
  /** How istiod is reached. Undefined: defaults. */
  istiod?: IstiodSpec | undefined;
  /** Proxies whose Envoy config_dump is checked after each sync. Undefined: 0 (none). */
  verifyDataplane?: number | undefined;
}

/** The proxies the sync gate waits for. */
export interface SyncScopeSpec {
  /** Only proxies in these namespaces. Undefined: every namespace. */
  namespaces?: string[] | undefined;
  /** Only proxies of pods matching this label selector (`app=productpage`). Undefined: every pod. */
  selector?: string | undefined;
}

/** How istiod is reached. */
export interface IstiodSpec {
  /** Namespace of istiod. Undefined: `istio-system`. */
  namespace?: string | undefined;
  /** Control plane revision (`istio.io/rev` label). Undefined: every istiod. */
  revision?: string | undefined;
  /**
   * Base URL of istiod's debug endpoint, for runners inside the cluster
   * (`http://istiod.istio-system:15014`). Undefined: port-forward to every istiod pod.
   */
  url?: string | undefined;
  /** File holding a bearer token for `url`. Undefined: no token. Not with `tokenEnv`. */
  tokenFile?: string | undefined;
  /** Environment variable holding a bearer token for `url`. Undefined: no token. Not with `tokenFile`. */
  tokenEnv?: string | undefined;
}

/** Where Prometheus is. Exactly one of `url` and `service` (neither: the default service). */
export interface PrometheusSpec {
  /** Base URL (`http://prometheus.istio-system:9090`). Not with `service`. */
  url?: string | undefined;
  /**
   * In-cluster Service reached by port-forward, `namespace/name:port`. Not with `url`.
   * Undefined (and no `url`): `istio-system/prometheus:9090`.
   */
  service?: string | undefined;
  /** File holding a bearer token. Undefined: none. Not with `bearerTokenEnv` or `basicAuth`. */
  bearerTokenFile?: string | undefined;
  /** Environment variable holding a bearer token. Undefined: none. Not with `bearerTokenFile` or `basicAuth`. */
  bearerTokenEnv?: string | undefined;
  /** HTTP basic authentication. Undefined: none. */
  basicAuth?: BasicAuthSpec | undefined;
  /** Extra request headers (`X-Scope-OrgID`), not credentials. Undefined: none. */
  headers?: Record<string, string> | undefined;
  /** Timeout of one query. Undefined: `10s`. */
  timeout?: string | undefined;
}

/** HTTP basic authentication; the password comes from a file or an environment variable. */
export interface BasicAuthSpec {
  /** User name. */
  username: string;
  /** File holding the password. Exactly one of `passwordFile` and `passwordEnv`. */
  passwordFile?: string | undefined;
  /** Environment variable holding the password. Exactly one of `passwordFile` and `passwordEnv`. */
  passwordEnv?: string | undefined;
}

/** Rollback behaviour. */
export interface RollbackSpec {
  /** Remove the pre-release header route when rolling back. Undefined: true. */
  removeHeaderRoute?: boolean | undefined;
}

/** The release lock. */
export interface LockSpec {
  /** How long a claim lasts without renewal; whole seconds, at least 5s. Undefined: `30s`. */
  leaseDuration?: string | undefined;
  /** Identity written to the Lease. Undefined: a CI pipeline run id, else host and pid. */
  holderIdentity?: string | undefined;
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
