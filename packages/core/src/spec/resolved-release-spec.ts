/**
 * The release spec after defaults, overrides and validation: every field decided, every
 * duration in milliseconds, the step list expanded from its preset, deeply frozen. This
 * is what the engine, gates and CLI read; they never look at the raw spec.
 */
import type { Slot } from '../istio/route-target.js';
import type { PreflightCheckId } from '../preflight/check-ids.js';
import type { StringMatch } from '../istio/types.js';
import type { ReleaseStep } from '../release/state-record.js';
import type { CheckType } from './check-types.js';
import type { NotificationEvent, NotificationFormat } from './notify-spec.js';
import type { ResumePolicy, StrategyType } from './release-spec.js';

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

/** The preflight checks deploy and release run first. */
export interface ResolvedPreflight {
  /** Checks left out on purpose; empty when none. */
  readonly skip: readonly PreflightCheckId[];
}

/** Objects the release works on, all in `namespace`. */
export interface ResolvedTarget {
  /** VirtualService name. */
  readonly virtualService: string;
  /** DestinationRule name. */
  readonly destinationRule: string;
  /** Destination host as written in the routes. */
  readonly host: string;
  /** Names of the managed HTTP routes; undefined: find them automatically in the VirtualService. */
  readonly routes: readonly string[] | undefined;
  /** Pod label telling the slots apart. */
  readonly slotLabel: string;
  /** Both slots. */
  readonly slots: Readonly<Record<Slot, ResolvedSlot>>;
  /** Container whose image deploy sets; undefined: the Deployment's only container. */
  readonly container: string | undefined;
}

/** One slot. */
export interface ResolvedSlot {
  /** Deployment name. */
  readonly deployment: string;
  /** DestinationRule subset name. */
  readonly subset: string;
  /** Value of the slot label on its pods. */
  readonly labelValue: string;
}

/** Deploy settings. */
export interface ResolvedDeploy {
  /** Pre-release header route; undefined: deploy adds no header route. */
  readonly preRelease: ResolvedPreRelease | undefined;
  /** How long the candidate may take to become ready, in milliseconds. */
  readonly rolloutTimeoutMs: number;
}

/** The pre-release header route. */
export interface ResolvedPreRelease {
  /**
   * Header conditions, AND-ed, at least one: lowercase header name to exactly one of
   * `exact`, `prefix`, `regex` (RE2). The shape `setPrereleaseRoute` takes.
   */
  readonly headers: Readonly<Record<string, Readonly<StringMatch>>>;
}

/** Strategy with its steps expanded. */
export interface ResolvedStrategy {
  /** Declared type: the preset, or `custom`. With explicit steps, `custom` unless a preset was named. */
  readonly type: StrategyType;
  /**
   * Steps in order, in the release record's format. Weight steps are strictly increasing
   * and the last one is 100; mirror steps only come before it.
   */
  readonly steps: readonly ReleaseStep[];
  /** Scale the old slot to zero after the release completes. */
  readonly scaleDownOld: boolean;
}

/** Prometheus checks. */
export interface ResolvedChecks {
  /** Time between evaluations, in milliseconds. */
  readonly intervalMs: number;
  /** Range each query covers, in milliseconds (`{{window}}`). */
  readonly windowMs: number;
  /** Assumed Prometheus scrape interval, in milliseconds. */
  readonly scrapeIntervalMs: number;
  /** Consecutive failed evaluations that roll back. */
  readonly failureLimit: number;
  /** Consecutive inconclusive evaluations that roll back. */
  readonly inconclusiveLimit: number;
  /** Fewer candidate requests in the window make an evaluation inconclusive. */
  readonly minRequests: number;
  /** The checks; empty when metric checks are disabled. Names are unique. */
  readonly items: readonly ResolvedCheck[];
}

/** One check, built-in or custom, in one shape: a query template and bounds. */
export interface ResolvedCheck {
  /** Unique name. */
  readonly name: string;
  /** Type it came from. */
  readonly type: CheckType;
  /** PromQL template; render it with `renderCheckQuery`. */
  readonly query: string;
  /** Lowest passing value; undefined: no lower bound. */
  readonly min: number | undefined;
  /** Highest passing value; undefined: no upper bound. */
  readonly max: number | undefined;
  /** Unit of the value for display (`%`, `ms`, `pp`), `''` for custom checks. */
  readonly unit: string;
}

/** The proxy sync gate. */
export interface ResolvedSync {
  /** How long proxies may take to acknowledge a change, in milliseconds. */
  readonly timeoutMs: number;
  /** Time between polls, in milliseconds. */
  readonly pollIntervalMs: number;
  /** Share of in-scope proxies that must be synced, in (0, 1]. */
  readonly requiredRatio: number;
  /** Proxies that count. */
  readonly scope: ResolvedSyncScope;
  /** How istiod is reached. */
  readonly istiod: ResolvedIstiod;
  /** Proxies whose config_dump is verified after each sync; 0: none. */
  readonly verifyDataplane: number;
}

/** Proxies that count for the sync gate. */
export interface ResolvedSyncScope {
  /** Namespaces; undefined: every namespace. */
  readonly namespaces: readonly string[] | undefined;
  /** Pod label selector; undefined: every pod. */
  readonly selector: string | undefined;
}

/** A credential read at run time; never the secret itself. */
export type CredentialSource =
  | {
      /** Read from this file (trailing newline trimmed). */
      readonly file: string;
    }
  | {
      /** Read from this environment variable. */
      readonly env: string;
    };

/** How istiod is reached. */
export interface ResolvedIstiod {
  /** Namespace of istiod. */
  readonly namespace: string;
  /** `istio.io/rev` to select; undefined: every istiod. */
  readonly revision: string | undefined;
  /** Debug endpoint base URL; undefined: port-forward to each istiod pod. */
  readonly url: string | undefined;
  /** Bearer token for `url`; undefined: none. */
  readonly token: CredentialSource | undefined;
}

/** Where Prometheus is. */
export type PrometheusEndpoint =
  | {
      /** Reached directly. */
      readonly kind: 'url';
      /** Base URL. */
      readonly url: string;
    }
  | {
      /** Reached by port-forward to a pod behind this Service. */
      readonly kind: 'service';
      /** Namespace. */
      readonly namespace: string;
      /** Service name. */
      readonly name: string;
      /** Service port. */
      readonly port: number;
    };

/** How requests to Prometheus authenticate. */
export type PrometheusAuth =
  | {
      /** No authentication. */
      readonly type: 'none';
    }
  | {
      /** `Authorization: Bearer <token>`. */
      readonly type: 'bearer';
      /** Where the token is. */
      readonly token: CredentialSource;
    }
  | {
      /** HTTP basic authentication. */
      readonly type: 'basic';
      /** User name. */
      readonly username: string;
      /** Where the password is. */
      readonly password: CredentialSource;
    };

/** Prometheus access. */
export interface ResolvedPrometheus {
  /** Where it is. */
  readonly endpoint: PrometheusEndpoint;
  /** Authentication. */
  readonly auth: PrometheusAuth;
  /** Extra request headers (no credentials); empty when none. */
  readonly headers: Readonly<Record<string, string>>;
  /** Timeout of one query, in milliseconds. */
  readonly timeoutMs: number;
}

/** Rollback behaviour. */
export interface ResolvedRollback {
  /** Remove the pre-release header route when rolling back. */
  readonly removeHeaderRoute: boolean;
}

/** Release lock. */
export interface ResolvedLock {
  /** Claim validity without renewal, in milliseconds (whole seconds). */
  readonly leaseDurationMs: number;
  /**
   * Identity written to the Lease; undefined: decided at run time by `defaultHolderIdentity`
   * (CI pipeline run id, else host and pid), which depends on the environment.
   */
  readonly holderIdentity: string | undefined;
}

/** Where a webhook URL is: written in the spec (not secret), or a credential read at run time. */
export type NotifyUrlSource =
  | CredentialSource
  | {
      /** The URL as written (`url`, `--notify`). */
      readonly value: string;
    };

/** One webhook receiving lifecycle notifications. */
export interface ResolvedNotifyTarget {
  /**
   * How messages name it, never by its URL: `notify[0] (urlEnv SLACK_WEBHOOK_URL)`, or for
   * a written URL its host only, `notify[1] (url on hooks.example.com)`.
   */
  readonly label: string;
  /** Where the URL is. */
  readonly url: NotifyUrlSource;
  /** Bearer token; undefined: none. */
  readonly token: CredentialSource | undefined;
  /** Body form; undefined: decided from the URL (`slack` for `hooks.slack.com`, else `json`). */
  readonly format: NotificationFormat | undefined;
  /** The notifications it receives: every one unless the spec chose. */
  readonly events: readonly NotificationEvent[];
}
