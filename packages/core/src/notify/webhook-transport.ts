/**
 * One POST to a webhook, over `fetch`. Redirects are not followed (a bearer token must not
 * travel to another host, and a webhook that moved is a configuration to fix), the answer
 * body is read and dropped (receivers echo requests; nothing of it reaches a message), and
 * failures say what happened without the URL.
 */

/** One POST. */
export interface WebhookRequest {
  /** The webhook URL. */
  url: string;
  /** Request headers. */
  headers: Readonly<Record<string, string>>;
  /** JSON body. */
  body: string;
  /** Give up on an answer after this long. */
  timeoutMs: number;
  /** Aborts the request (the notifier gave up). */
  signal: AbortSignal;
}

/** What the webhook answered. */
export interface WebhookAnswer {
  /** HTTP status. */
  status: number;
  /** `Retry-After` in milliseconds; undefined when absent or unreadable. */
  retryAfterMs: number | undefined;
}

/** Sends webhook requests. Rejects with a WebhookTransportError when there was no answer. */
export interface WebhookTransport {
  /** Posts `request`. */
  post(request: WebhookRequest): Promise<WebhookAnswer>;
}

/** No answer: the connection failed, the time ran out, or the request was aborted. */
export class WebhookTransportError extends Error {
  /** `network`, `timeout` or `aborted`. */
  readonly kind: 'network' | 'timeout' | 'aborted';

  constructor(kind: 'network' | 'timeout' | 'aborted', message: string) {
    super(message);
    this.name = 'WebhookTransportError';
    this.kind = kind;
  }
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** undici says "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in `cause`. */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `connection failed (${code})` : `connection failed: ${cause.message}`;
  }
  return `connection failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** {@link WebhookTransport} over the global `fetch`. */
export const fetchWebhookTransport: WebhookTransport = {
  async post(request) {
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = AbortSignal.any([request.signal, timeout]);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal,
      });
      await response.arrayBuffer();
      return {
        status: response.status,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
      };
    } catch (error) {
      if (request.signal.aborted) throw new WebhookTransportError('aborted', 'aborted');
      if (timeout.aborted) {
        throw new WebhookTransportError(
          'timeout',
          `no answer within ${(request.timeoutMs / 1000).toFixed(1)}s`,
        );
      }
      throw new WebhookTransportError('network', networkMessage(error));
    }
  },
};
