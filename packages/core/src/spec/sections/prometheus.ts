/**
 * `prometheus:` where the checks query Prometheus (a URL, or an in-cluster Service reached
 * by port-forward), how they authenticate, extra headers and the query timeout.
 */
import { credentialFrom, type CredentialSource } from '../credential-fields.js';
import { parseDuration } from '../duration.js';
import { DURATION, field, group, SECRET_ENV, SECRET_FILE, TEXT } from '../field-declaration.js';

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

/** The Service checks query when the spec names neither a URL nor a Service. */
const DEFAULT_SERVICE = 'istio-system/prometheus:9090';

/** The fields of `prometheus`. */
export const PROMETHEUS_FIELDS = group(
  `Where checks query Prometheus. Default: service ${DEFAULT_SERVICE}.`,
  {
    url: field({
      kind: TEXT,
      description: 'Base URL. Not with service.',
      flags: [{ name: 'prometheus-url', value: 'URL', help: 'Prometheus base URL' }],
    }),
    service: field({
      kind: { type: 'service-address' },
      description: 'In-cluster Service reached by port-forward, namespace/name:port. Not with url.',
      defaultText: DEFAULT_SERVICE,
      flags: [
        {
          name: 'prometheus-service',
          value: 'ns/name:port',
          help: `in-cluster Prometheus reached by port-forward, ns/name:port [default: ${DEFAULT_SERVICE}]`,
        },
      ],
    }),
    bearerTokenFile: field({ kind: SECRET_FILE, description: 'File holding a bearer token.' }),
    bearerTokenEnv: field({
      kind: SECRET_ENV,
      description: 'Environment variable holding a bearer token.',
    }),
    basicAuth: group('HTTP basic authentication.', {
      username: field({ kind: TEXT, description: 'User name.', required: true }),
      passwordFile: field({ kind: SECRET_FILE, description: 'File holding the password.' }),
      passwordEnv: field({
        kind: SECRET_ENV,
        description: 'Environment variable holding the password.',
      }),
    }),
    headers: field({
      kind: { type: 'string-map' },
      description: 'Extra request headers (not credentials).',
    }),
    timeout: field({ kind: DURATION, description: 'Timeout of one query.', default: '10s' }),
  },
);

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

function endpoint(spec: PrometheusSpec | undefined): PrometheusEndpoint {
  if (spec?.url !== undefined) return { kind: 'url', url: spec.url.replace(/\/+$/, '') };
  const service = spec?.service ?? DEFAULT_SERVICE;
  const [namespace = '', rest = ''] = service.split('/');
  const [name = '', port = ''] = rest.split(':');
  return { kind: 'service', namespace, name, port: Number(port) };
}

function auth(spec: PrometheusSpec | undefined): PrometheusAuth {
  const bearer = credentialFrom(spec?.bearerTokenFile, spec?.bearerTokenEnv);
  if (bearer) return { type: 'bearer', token: bearer };
  const basic = spec?.basicAuth;
  const password = credentialFrom(basic?.passwordFile, basic?.passwordEnv);
  if (basic && password) return { type: 'basic', username: basic.username, password };
  return { type: 'none' };
}

/** `prometheus` as the Prometheus client takes it. */
export function resolvePrometheus(spec: PrometheusSpec | undefined): ResolvedPrometheus {
  return {
    endpoint: endpoint(spec),
    auth: auth(spec),
    headers: { ...spec?.headers },
    timeoutMs: parseDuration(spec?.timeout ?? PROMETHEUS_FIELDS.fields.timeout.default),
  };
}
