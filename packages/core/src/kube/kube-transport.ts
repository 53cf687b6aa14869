/**
 * One HTTP request to the API server, over client-node: its kubeconfig authentication
 * (tokens, client certificates, exec and token-file plugins, CA and TLS settings) and its
 * HTTP library. Bodies go out and come back as plain JSON, never through client-node's model
 * serializer, which drops fields its models do not know.
 *
 * Failures are thrown as client-node throws them: `ApiException {code, body, headers}` for
 * non-2xx answers (body is the response text), node-fetch errors for network failures, plus
 * RequestTimeoutError / RequestAbortedError for this request's own timeout and the caller's
 * signal.
 */
import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  ServerConfiguration,
  type KubeConfig,
} from '@kubernetes/client-node';
import { KubeconfigError } from '../errors.js';
import { RequestAbortedError, RequestTimeoutError } from './kube-failure.js';
import { toKubeJson } from './kube-json.js';

/** An API request. */
export interface KubeRequest {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the server URL, e.g. `/apis/apps/v1/namespaces/bookinfo/deployments`. */
  path: string;
  /** Query parameters (`dryRun`, `labelSelector`, ...); undefined values are left out. */
  query?: Readonly<Record<string, string | undefined>> | undefined;
  /** JSON body. */
  body?: unknown;
  /** Body media type; defaults to `application/json` when there is a body. */
  contentType?: string | undefined;
  /** Timeout of this request, in milliseconds. */
  timeoutMs: number;
  /** Caller's signal. */
  signal?: AbortSignal | undefined;
}

/** Sends API requests; the seam unit tests replace. */
export interface KubeTransport {
  /** Resolves the parsed JSON body of a 2xx answer (undefined when empty); rejects as described above. */
  send(request: KubeRequest): Promise<unknown>;
}

/** {@link KubeTransport} over client-node's HTTP stack and the kubeconfig's current context. */
export class ClientNodeTransport implements KubeTransport {
  readonly #kubeConfig: KubeConfig;
  readonly #server: ServerConfiguration<Record<string, string>>;
  readonly #http = new IsomorphicFetchHttpLibrary();

  constructor(kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster)
      throw new KubeconfigError('the kubeconfig has no current context or its cluster is missing');
    this.#kubeConfig = kubeConfig;
    this.#server = new ServerConfiguration<Record<string, string>>(cluster.server, {});
  }

  async send(request: KubeRequest): Promise<unknown> {
    const context = this.#server.makeRequestContext(request.path, HttpMethod[request.method]);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) context.setQueryParam(name, value);
    }
    context.setHeaderParam('Accept', 'application/json');
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      context.setBody(toKubeJson(request.body));
    }
    await this.#kubeConfig.applySecurityAuthentication(context);

    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
    const signal = request.signal
      ? AbortSignal.any([request.signal, timeout.signal])
      : timeout.signal;
    context.setSignal(signal);
    try {
      const response = await this.#http.send(context).toPromise();
      const text = await response.body.text();
      if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
        throw new ApiException<string>(
          response.httpStatusCode,
          'Unsuccessful HTTP Request',
          text,
          response.headers,
        );
      }
      return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      if (request.signal?.aborted) throw new RequestAbortedError();
      if (timeout.signal.aborted && !(error instanceof ApiException))
        throw new RequestTimeoutError(request.timeoutMs);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
