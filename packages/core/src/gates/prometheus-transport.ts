/**
 * How HTTP requests reach Prometheus: straight to a URL (`UrlPrometheusTransport`, Node's
 * fetch), or through a port-forward to a pod behind an in-cluster Service
 * (`ServicePrometheusTransport`). The client on top adds authentication, retries and
 * Prometheus' error format; a transport only moves bytes and says how it failed.
 */

/** One request to Prometheus. */
export interface PrometheusHttpRequest {
  /** Path and query below the base, e.g. `/api/v1/query`. */
  path: string;
  /** `GET` or `POST`. */
  method: 'GET' | 'POST';
  /** Request headers, credentials included (never put in messages). */
  headers: Readonly<Record<string, string>>;
  /** Form body for POST. */
  body?: string | undefined;
  /** Time allowed for the whole exchange, in milliseconds. */
  timeoutMs: number;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}

/** Prometheus' HTTP answer. */
export interface PrometheusHttpResponse {
  /** HTTP status. */
  status: number;
  /** Body as text. */
  body: string;
}

/** How a request failed before an HTTP answer came back. */
export type TransportFailureKind =
  /** Connection refused, reset, DNS, broken forward: worth a retry. */
  | 'network'
  /** No complete answer in time: not retried (it already took the whole budget). */
  | 'timeout'
  /** The target cannot be found (no Service, no ready pod): retrying now will not help. */
  | 'unavailable'
  /** The caller's signal aborted. */
  | 'aborted';

/** A request that got no HTTP answer. Messages never carry credentials. */
export class PrometheusTransportError extends Error {
  /** Why. */
  readonly kind: TransportFailureKind;

  constructor(kind: TransportFailureKind, message: string) {
    super(message);
    this.name = 'PrometheusTransportError';
    this.kind = kind;
  }
}

/** Moves one request to Prometheus and back. */
export interface PrometheusTransport {
  /** Where requests go, for messages (no credentials). */
  readonly description: string;
  /** Sends one request; rejects with PrometheusTransportError only. */
  send(request: PrometheusHttpRequest): Promise<PrometheusHttpResponse>;
  /** Releases connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A base URL without its user info: credentials in a URL would end up in messages. The
 * user info is returned separately (the client turns it into basic auth).
 */
export function splitUrlCredentials(url: string): {
  url: string;
  username: string | undefined;
  password: string | undefined;
} {
  const parsed = new URL(url);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/+$/, ''), username, password };
}

/** {@link PrometheusTransport} to a URL (http or https). */
export class UrlPrometheusTransport implements PrometheusTransport {
  readonly description: string;
  readonly #base: string;

  /** @param baseUrl Prometheus base URL without credentials (see {@link splitUrlCredentials}) */
  constructor(baseUrl: string) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.description = this.#base;
  }

  async send(request: PrometheusHttpRequest): Promise<PrometheusHttpResponse> {
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await fetch(`${this.#base}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (request.signal?.aborted) throw new PrometheusTransportError('aborted', 'aborted');
      if (timeout.aborted)
        throw new PrometheusTransportError('timeout', `no answer within ${request.timeoutMs} ms`);
      throw new PrometheusTransportError('network', networkMessage(error));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** undici says "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in `cause`. */
function networkMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${message}: ${cause.message}${code && !cause.message.includes(code) ? ` (${code})` : ''}`;
  }
  return message;
}
