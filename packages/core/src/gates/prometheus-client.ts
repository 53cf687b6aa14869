/**
 * Instant queries against Prometheus' HTTP API (`POST /api/v1/query`, form-encoded `query`,
 * `time`, `timeout`), with the connection of the resolved spec: a URL or an in-cluster
 * Service, bearer or basic auth read from a file or the environment at each request, extra
 * headers.
 *
 * Failures are PrometheusError, carrying Prometheus' own `errorType` and `error` text when
 * it answered (`{"status":"error","errorType":"bad_data","error":"..."}`): a malformed query
 * is 400 `bad_data`, a failed evaluation 422 `execution`, an overloaded or timed-out query
 * 503. Network failures and 5xx answers are retried a little (a Prometheus restarting);
 * 4xx never (the same query fails the same way), nor timeouts (they already took the whole
 * budget). Messages never contain credentials: known secrets are redacted from every text
 * that could echo them.
 */
import { PrometheusError } from '../errors.js';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { PortForwarder } from '../kube/port-forward.js';
import { redactSecrets } from '../kube/redact-secrets.js';
import type { Clock } from '../release/clock.js';
import { systemClock } from '../release/clock.js';
import type { PrometheusAuth, ResolvedPrometheus } from '../spec/resolved-release-spec.js';
import { abortError } from './abort-error.js';
import { readCredential } from './credential-source.js';
import { ServicePrometheusTransport } from './prometheus-service-transport.js';
import {
  PrometheusTransportError,
  splitUrlCredentials,
  UrlPrometheusTransport,
  type PrometheusHttpResponse,
  type PrometheusTransport,
} from './prometheus-transport.js';

/** One sample of an instant query result. */
export interface PrometheusSample {
  /** Series labels (empty for a scalar or an aggregate without `by`). */
  readonly metric: Readonly<Record<string, string>>;
  /** The value; NaN and ±Infinity as Prometheus reports them. */
  readonly value: number;
}

/** One series of a range selector's result, with every raw sample Prometheus stored. */
export interface PrometheusRangeSeries {
  /** Series labels. */
  readonly metric: Readonly<Record<string, string>>;
  /** Its samples, oldest first: when they were scraped (ms since epoch) and their values. */
  readonly values: readonly { readonly timestampMs: number; readonly value: number }[];
}

/** Result of an instant query. */
export interface InstantQueryResult {
  /** `vector` or `scalar` (a range query's `matrix` or a `string` is reported as such). */
  readonly resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  /** One sample per series (`scalar`: exactly one, without labels; `matrix`: each series' newest). */
  readonly samples: readonly PrometheusSample[];
  /**
   * For a `matrix` (a range selector such as `istio_requests_total{...}[1m]`): every series
   * with all its raw samples; undefined for other results.
   */
  readonly series?: readonly PrometheusRangeSeries[] | undefined;
  /** Prometheus' warnings, when it gave any. */
  readonly warnings: readonly string[];
}

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
  /** Where requests go. */
  transport: PrometheusTransport;
  /** Authentication. */
  auth: PrometheusAuth;
  /**
   * User and password that came in the URL's user info; used as basic auth when `auth` is
   * `none`.
   */
  urlCredentials?: { username: string; password: string } | undefined;
  /** Extra request headers (no credentials). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Timeout of one query, in milliseconds. */
  timeoutMs: number;
  /** Retries after a network failure or a 5xx (default 2). */
  retries?: number | undefined;
  /** Pause before the first retry, doubled for each next one (default 250 ms). */
  retryDelayMs?: number | undefined;
  /** Sleeps between retries; default the system clock. */
  clock?: Clock | undefined;
}

/** Prometheus' JSON envelope. */
interface ApiEnvelope {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
}

/** Parses a sample value: Prometheus writes `"NaN"`, `"+Inf"`, `"-Inf"` or a decimal. */
export function parseSampleValue(text: unknown): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (typeof text !== 'string') return Number.NaN;
  return Number(text);
}

function samplesOf(resultType: string, result: unknown): PrometheusSample[] | undefined {
  if (resultType === 'scalar' || resultType === 'string') {
    if (!Array.isArray(result)) return undefined;
    return [{ metric: {}, value: parseSampleValue(result[1]) }];
  }
  if (!Array.isArray(result)) return undefined;
  const samples: PrometheusSample[] = [];
  for (const series of result as { metric?: unknown; value?: unknown; values?: unknown }[]) {
    const metric = (series.metric ?? {}) as Record<string, string>;
    if (Array.isArray(series.value)) {
      samples.push({ metric, value: parseSampleValue(series.value[1]) });
    } else if (Array.isArray(series.values)) {
      const last: unknown = series.values[series.values.length - 1];
      samples.push({ metric, value: parseSampleValue(Array.isArray(last) ? last[1] : undefined) });
    }
  }
  return samples;
}

function rangeSeriesOf(result: unknown): PrometheusRangeSeries[] {
  if (!Array.isArray(result)) return [];
  return (result as { metric?: unknown; values?: unknown }[]).map((series) => ({
    metric: (series.metric ?? {}) as Record<string, string>,
    values: (Array.isArray(series.values) ? (series.values as unknown[]) : [])
      .filter((pair): pair is [unknown, unknown] => Array.isArray(pair))
      .map(([time, value]) => ({
        timestampMs: Math.round(Number(time) * 1000),
        value: parseSampleValue(value),
      })),
  }));
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}...` : flat || '(empty body)';
}

/** Instant queries against one Prometheus. */
export class PrometheusClient {
  readonly #transport: PrometheusTransport;
  readonly #auth: PrometheusAuth;
  readonly #urlCredentials: { username: string; password: string } | undefined;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #clock: Clock;

  constructor(options: PrometheusClientOptions) {
    this.#transport = options.transport;
    this.#auth = options.auth;
    this.#urlCredentials = options.urlCredentials;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 250;
    this.#clock = options.clock ?? systemClock;
  }

  /** Where the queries go, for messages. */
  get description(): string {
    return this.#transport.description;
  }

  /**
   * Evaluates `query` at `time` (ms since epoch; default now, Prometheus' clock).
   *
   * @throws PrometheusError when Prometheus cannot be reached, times out, refuses the query
   *   or answers something that is not a query result.
   * @throws the signal's reason (AbortedError, or the engine's own) when `signal` aborts.
   */
  async query(
    query: string,
    options: { time?: number | undefined; signal?: AbortSignal | undefined } = {},
  ): Promise<InstantQueryResult> {
    const { signal } = options;
    const form = new URLSearchParams({ query });
    if (options.time !== undefined) form.set('time', (options.time / 1000).toFixed(3));
    // Prometheus stops evaluating when its own timeout is up, instead of working on for nobody.
    form.set('timeout', `${Math.max(1, Math.floor(this.#timeoutMs / 1000))}s`);
    for (let attempt = 0; ; attempt++) {
      const { secrets, headers } = this.#requestHeaders(query);
      const redact = (text: string): string => redactSecrets(text, secrets);
      let response: PrometheusHttpResponse;
      try {
        response = await this.#transport.send({
          path: '/api/v1/query',
          method: 'POST',
          headers,
          body: form.toString(),
          timeoutMs: this.#timeoutMs,
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, 'Prometheus query');
        const failure =
          error instanceof PrometheusTransportError
            ? error
            : new PrometheusTransportError('network', String(error));
        const message =
          failure.kind === 'timeout'
            ? `Prometheus (${this.description}) did not answer within ${this.#timeoutMs} ms`
            : `cannot reach Prometheus (${this.description}): ${failure.message}`;
        if (failure.kind === 'network' && attempt < this.#retries) {
          await this.#pause(attempt, signal);
          continue;
        }
        throw new PrometheusError(redact(message), { query });
      }
      if (response.status >= 500 && attempt < this.#retries) {
        await this.#pause(attempt, signal);
        continue;
      }
      return this.#result(response, query, redact);
    }
  }

  /** Releases the connection (port-forward). */
  close(): Promise<void> {
    return this.#transport.close();
  }

  #requestHeaders(query: string): { headers: Record<string, string>; secrets: string[] } {
    const headers: Record<string, string> = {
      ...this.#headers,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    const secrets: string[] = [];
    try {
      if (this.#auth.type === 'bearer') {
        const token = readCredential(this.#auth.token);
        secrets.push(token);
        headers.authorization = `Bearer ${token}`;
      } else if (this.#auth.type === 'basic') {
        const password = readCredential(this.#auth.password);
        const encoded = Buffer.from(`${this.#auth.username}:${password}`).toString('base64');
        secrets.push(password, encoded);
        headers.authorization = `Basic ${encoded}`;
      } else if (this.#urlCredentials) {
        const { username, password } = this.#urlCredentials;
        const encoded = Buffer.from(`${username}:${password}`).toString('base64');
        secrets.push(password, encoded);
        headers.authorization = `Basic ${encoded}`;
      }
    } catch (error) {
      throw new PrometheusError(
        `cannot authenticate to Prometheus: ${error instanceof Error ? error.message : String(error)}`,
        { query },
      );
    }
    return { headers, secrets };
  }

  #result(
    response: PrometheusHttpResponse,
    query: string,
    redact: (text: string) => string,
  ): InstantQueryResult {
    let envelope: ApiEnvelope | undefined;
    try {
      envelope = JSON.parse(response.body) as ApiEnvelope;
    } catch {
      envelope = undefined;
    }
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || envelope?.status !== 'success') {
      const errorType = typeof envelope?.errorType === 'string' ? envelope.errorType : undefined;
      const text = typeof envelope?.error === 'string' ? envelope.error : undefined;
      const what =
        text !== undefined
          ? `${errorType ?? 'error'}: ${text}`
          : envelope === undefined
            ? snippet(response.body)
            : 'no error text';
      throw new PrometheusError(redact(`Prometheus answered ${response.status} ${what}`), {
        statusCode: response.status,
        errorType,
        query,
      });
    }
    const resultType = envelope.data?.resultType;
    const samples =
      typeof resultType === 'string' ? samplesOf(resultType, envelope.data?.result) : undefined;
    if (
      samples === undefined ||
      (resultType !== 'vector' &&
        resultType !== 'scalar' &&
        resultType !== 'matrix' &&
        resultType !== 'string')
    ) {
      throw new PrometheusError(
        redact(
          `Prometheus answered a result that is not a query result: ${snippet(response.body)}`,
        ),
        { statusCode: response.status, query },
      );
    }
    const warnings = Array.isArray(envelope.warnings)
      ? envelope.warnings.filter((w): w is string => typeof w === 'string')
      : [];
    return resultType === 'matrix'
      ? { resultType, samples, warnings, series: rangeSeriesOf(envelope.data?.result) }
      : { resultType, samples, warnings };
  }

  async #pause(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.#clock.sleep(this.#retryDelayMs * 2 ** attempt, signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, 'Prometheus query');
      throw error;
    }
  }
}

/** What {@link createPrometheusClient} needs to reach an in-cluster Service. */
export interface PrometheusClusterAccess {
  /** Reads the Service. */
  services: ServiceReader;
  /** Lists its pods. */
  pods: PodLister;
  /** Opens the port-forward. */
  portForwarder: PortForwarder;
}

/**
 * A client for the spec's `prometheus` section. User info in a URL becomes basic auth when
 * no other authentication is configured, and is dropped from the URL either way.
 */
export function createPrometheusClient(
  config: ResolvedPrometheus,
  access: PrometheusClusterAccess,
  options: { clock?: Clock | undefined } = {},
): PrometheusClient {
  let transport: PrometheusTransport;
  let urlCredentials: { username: string; password: string } | undefined;
  if (config.endpoint.kind === 'url') {
    const { url, username, password } = splitUrlCredentials(config.endpoint.url);
    transport = new UrlPrometheusTransport(url);
    if (username !== undefined) urlCredentials = { username, password: password ?? '' };
  } else {
    transport = new ServicePrometheusTransport({
      namespace: config.endpoint.namespace,
      name: config.endpoint.name,
      port: config.endpoint.port,
      ...access,
    });
  }
  return new PrometheusClient({
    transport,
    auth: config.auth,
    urlCredentials,
    headers: config.headers,
    timeoutMs: config.timeoutMs,
    clock: options.clock,
  });
}
