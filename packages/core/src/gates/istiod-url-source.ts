/**
 * syncz from one URL (`sync.istiod.url`), for a runner inside the cluster:
 * `GET <url>/debug/syncz` with `Authorization: Bearer <service account token>`. istiod
 * accepts a non-loopback debug request only with that token, and (ENABLE_DEBUG_ENDPOINT_AUTH,
 * on by default) only when the token's namespace is the root namespace or listed in
 * `DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES`; a refusal says which and how to fix it
 * (`debug-endpoint-auth.ts`, docs/reference/istio.md §1).
 *
 * Limitation: one URL is one replica. Each istiod knows only its own proxies, so with
 * several replicas behind a Service every poll would see a different subset. Point `url` at
 * a single istiod (a per-pod address or a one-replica install), or use the port-forward
 * mode, which asks every replica.
 */
import { redactSecrets } from '../kube/redact-secrets.js';
import type { CredentialSource } from '../spec/resolved-release-spec.js';
import { throwIfAborted } from './abort-error.js';
import { debugAuthRefusal } from './debug-endpoint-auth.js';
import { readCredential } from './credential-source.js';
import type { SynczPoll, SynczSource } from './syncz-source.js';
import { parseSyncz } from './syncz-status.js';

/** Options of {@link IstiodUrlSource}. */
export interface IstiodUrlSourceOptions {
  /** Base URL of istiod's debug endpoint, e.g. `http://istiod.istio-system:15014`. */
  url: string;
  /** Bearer token, read before every request; undefined: no Authorization header. */
  token?: CredentialSource | undefined;
  /** Namespace of istiod, for messages. */
  namespace: string;
  /** Time allowed for one request, in milliseconds (default 10 000). */
  requestTimeoutMs?: number | undefined;
}

/** {@link SynczSource} over one HTTP(S) URL. */
export class IstiodUrlSource implements SynczSource {
  readonly namespace: string;
  readonly selector: string;
  readonly #url: string;
  readonly #replica: string;
  readonly #token: CredentialSource | undefined;
  readonly #timeoutMs: number;

  constructor(options: IstiodUrlSourceOptions) {
    const url = new URL(options.url);
    // Credentials in the URL would end up in messages; the token has its own setting.
    url.username = '';
    url.password = '';
    this.#url = url.toString().replace(/\/+$/, '');
    this.namespace = options.namespace;
    this.selector = this.#url;
    this.#replica = url.host;
    this.#token = options.token;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  async poll(signal?: AbortSignal): Promise<SynczPoll> {
    const istiod = this.#replica;
    let token: string | undefined;
    try {
      token = this.#token ? readCredential(this.#token) : undefined;
    } catch (error) {
      return { answers: [{ istiod, statuses: undefined, error: messageOf(error) }] };
    }
    const redact = (text: string): string => redactSecrets(text, token ? [token] : []);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await fetch(`${this.#url}/debug/syncz`, {
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const body = await response.text();
      if (response.status !== 200) {
        return {
          answers: [
            {
              istiod,
              statuses: undefined,
              error: redact(
                `GET ${this.#url}/debug/syncz answered ${response.status}${debugAuthRefusal(response.status, token, this.namespace)}`,
              ),
            },
          ],
        };
      }
      return { answers: [{ istiod, statuses: parseSyncz(JSON.parse(body) as unknown, istiod) }] };
    } catch (error) {
      throwIfAborted(signal, 'syncz poll');
      const reason = timeout.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : messageOf(error) + causeOf(error);
      return {
        answers: [
          { istiod, statuses: undefined, error: redact(`GET ${this.#url}/debug/syncz: ${reason}`) },
        ],
      };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// undici reports "fetch failed" and keeps the useful part (ECONNREFUSED, ...) in `cause`.
function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error ? `: ${cause.message}` : '';
}
