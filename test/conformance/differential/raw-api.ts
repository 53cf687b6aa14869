/**
 * A raw HTTPS client for the Kubernetes API, authenticated from a kubeconfig (client
 * certificates for the real test bed, a bearer token for the simulator) by
 * `@kubernetes/client-node`, so the differential tests send byte-identical requests to
 * both servers and see exactly what each answers: status code, Content-Type, body.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** One answer. */
export interface RawResponse {
  /** HTTP status code. */
  status: number;
  /** Content-Type header; undefined when none. */
  contentType: string | undefined;
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown;
  /** The body as text. */
  text: string;
  /** `Warning` headers' texts, in order (admission warnings, unknown fields). */
  warnings: string[];
}

/** One watch event as the stream carries it. */
export interface WatchEvent {
  /** `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`. */
  type: string;
  /** The object (or a Status for `ERROR`). */
  object: Record<string, unknown>;
}

/** A running watch. */
export interface RawWatch {
  /** Events received so far, in order. */
  readonly events: WatchEvent[];
  /** Ends the watch. */
  stop(): void;
}

/** A request's options. */
export interface RawRequestOptions {
  /** Body: objects are sent as JSON, strings as they are. */
  body?: unknown;
  /** Content-Type; `application/json` by default when there is a body. */
  contentType?: string;
  /** Accept header; `application/json` by default. */
  accept?: string;
}

/** The client of one API server. */
export interface RawApi {
  /** `sim` or `real`, for failure messages. */
  readonly name: string;
  /** Sends one request and reads the whole answer. */
  request(method: string, path: string, options?: RawRequestOptions): Promise<RawResponse>;
  /** Starts a watch on `path` (a collection URL, `?watch=1` is added). */
  watch(path: string): Promise<RawWatch>;
}

/** The texts of `Warning: 299 - "text"` headers (RFC 7234), unescaped. */
function warningTexts(rawHeaders: readonly string[]): string[] {
  const texts: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'warning') continue;
    const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(rawHeaders[i + 1] as string);
    if (match) texts.push((match[1] as string).replace(/\\(.)/g, '$1'));
  }
  return texts;
}

/** A client for the server a kubeconfig points at. */
export async function rawApi(name: string, kubeconfigPath: string): Promise<RawApi> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`${kubeconfigPath} has no current cluster`);
  const server = new URL(cluster.server);
  const base: RequestOptions = {};
  await config.applyToHTTPSOptions(base);

  const options = (method: string, path: string, headers: Record<string, string>) => ({
    ...base,
    method,
    hostname: server.hostname,
    port: server.port,
    path,
    headers: { ...(base.headers as Record<string, string> | undefined), ...headers },
  });

  return {
    name,
    request: (method, path, { body, contentType, accept } = {}) =>
      new Promise((resolve, reject) => {
        const payload =
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
        const headers: Record<string, string> = { Accept: accept ?? 'application/json' };
        if (payload !== undefined) {
          headers['Content-Type'] = contentType ?? 'application/json';
          // Node sends a DELETE body neither chunked nor sized unless told its length.
          headers['Content-Length'] = String(Buffer.byteLength(payload));
        }
        const req = httpsRequest(options(method, path, headers), (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'],
              body: parsed,
              text,
              warnings: warningTexts(res.rawHeaders),
            });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(payload);
      }),
    watch: (path) =>
      new Promise((resolve, reject) => {
        const events: WatchEvent[] = [];
        const separator = path.includes('?') ? '&' : '?';
        const req = httpsRequest(
          options('GET', `${path}${separator}watch=1`, { Accept: 'application/json' }),
          (res) => {
            if (res.statusCode !== 200) {
              reject(new Error(`${name}: watch ${path} answered ${res.statusCode}`));
              res.resume();
              return;
            }
            let pending = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              pending += chunk;
              let newline = pending.indexOf('\n');
              while (newline >= 0) {
                const line = pending.slice(0, newline).trim();
                pending = pending.slice(newline + 1);
                if (line) events.push(JSON.parse(line) as WatchEvent);
                newline = pending.indexOf('\n');
              }
            });
            // A stopped watch ends with an aborted response; nothing to report then.
            res.on('error', () => undefined);
            resolve({ events, stop: () => req.destroy() });
          },
        );
        req.on('error', (error) => {
          if (!req.destroyed) reject(error);
        });
        req.end();
      }),
  };
}
