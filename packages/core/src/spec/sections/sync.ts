/**
 * `sync:` the proxy sync gate after every route change: how long proxies may take, how
 * often istiod is asked, which proxies count, how istiod is reached, and how many proxies'
 * Envoy config_dump proves the routes.
 */
import { credentialFrom, type CredentialSource } from '../credential-fields.js';
import { parseDuration } from '../duration.js';
import {
  DURATION,
  field,
  group,
  list,
  nameKind,
  SECRET_ENV,
  SECRET_FILE,
  TEXT,
  wholeKind,
} from '../field-declaration.js';
import { DNS_LABEL, LABEL_VALUE } from '../kubernetes-names.js';

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

/** The fields of `sync`. */
export const SYNC_FIELDS = group('The proxy sync gate after every route change.', {
  timeout: field({
    kind: DURATION,
    description: 'How long proxies may take to acknowledge a change.',
    default: '2m',
    flags: [{ name: 'sync-timeout' }],
  }),
  pollInterval: field({
    kind: DURATION,
    description: 'Time between sync polls.',
    default: '500ms',
  }),
  requiredRatio: field({
    kind: { type: 'ratio' },
    description: 'Share of in-scope proxies that must be synced.',
    default: 1,
  }),
  scope: group('Which proxies count. Default: every proxy.', {
    namespaces: list(field({ kind: nameKind(DNS_LABEL), description: 'Namespace.' }), {
      description: 'Only proxies in these namespaces.',
      defaultText: 'all',
      nonEmpty: 'must list at least one namespace; omit the field for all',
      flags: [{ name: 'sync-namespace', value: 'NS' }],
    }),
    selector: field({
      kind: TEXT,
      description: 'Only proxies of pods matching this label selector.',
      defaultText: 'all',
      flags: [{ name: 'sync-selector', value: 'SELECTOR' }],
    }),
  }),
  istiod: group('How istiod is reached.', {
    namespace: field({
      kind: nameKind(DNS_LABEL),
      description: 'Namespace of istiod.',
      default: 'istio-system',
    }),
    revision: field({
      kind: nameKind(LABEL_VALUE),
      description: 'istio.io/rev of the istiod to ask.',
      defaultText: 'every istiod',
    }),
    url: field({
      kind: TEXT,
      description: 'istiod debug base URL for in-cluster runners.',
      defaultText: 'port-forward',
    }),
    tokenFile: field({ kind: SECRET_FILE, description: 'File holding a bearer token for url.' }),
    tokenEnv: field({
      kind: SECRET_ENV,
      description: 'Environment variable holding a bearer token for url.',
    }),
  }),
  verifyDataplane: field({
    kind: wholeKind(0),
    description: 'Proxies whose Envoy config_dump is checked after each sync.',
    default: 0,
    flags: [{ name: 'verify-dataplane' }],
  }),
});

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

/** `sync` with its defaults, durations in milliseconds. */
export function resolveSync(sync: SyncSpec | undefined): ResolvedSync {
  const { fields } = SYNC_FIELDS;
  const istiod = sync?.istiod;
  return {
    timeoutMs: parseDuration(sync?.timeout ?? fields.timeout.default),
    pollIntervalMs: parseDuration(sync?.pollInterval ?? fields.pollInterval.default),
    requiredRatio: sync?.requiredRatio ?? fields.requiredRatio.default,
    scope: {
      namespaces: sync?.scope?.namespaces ? [...sync.scope.namespaces] : undefined,
      selector: sync?.scope?.selector,
    },
    istiod: {
      namespace: istiod?.namespace ?? fields.istiod.fields.namespace.default,
      revision: istiod?.revision,
      url: istiod?.url?.replace(/\/+$/, ''),
      token: credentialFrom(istiod?.tokenFile, istiod?.tokenEnv),
    },
    verifyDataplane: sync?.verifyDataplane ?? fields.verifyDataplane.default,
  };
}
