/**
 * A plain-HTTP reverse proxy on loopback in front of a cluster's API server that records
 * every request before passing it on with the kubeconfig's own credentials (a bearer token
 * on the simulator, a client certificate on the real test bed), so a test sees exactly
 * which API calls switchyard makes and what its writes were answered, on either tier.
 * Upgrades (port-forward) are relayed byte for byte over TLS.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { kubeReads } from './kube-reads.js';

/** One request the recorder saw. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  /** A WebSocket upgrade (port-forward, watch over WebSocket). */
  upgrade: boolean;
  /** The request body of a write (not GET), parsed as JSON when it is JSON. */
  body?: unknown;
  /** The answer's status (undefined for upgrades, or until answered). */
  status?: number;
  /** The answer's body of a write, parsed as JSON when it is JSON. */
  response?: unknown;
}

/** A running recorder. */
export interface ApiRecorder {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** A kubeconfig pointing at the recorder (no credentials: the recorder adds them). */
  kubeconfig: string;
  /** Every request so far, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headerBlock(request: IncomingMessage, host: string, authorization?: string): string {
  let text = `${request.method} ${request.url} HTTP/1.1\r\n`;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (lower === 'authorization' && authorization !== undefined) continue;
    const value = lower === 'host' ? host : (request.rawHeaders[i + 1] as string);
    text += `${name}: ${value}\r\n`;
  }
  if (authorization !== undefined) text += `Authorization: ${authorization}\r\n`;
  return `${text}\r\n`;
}

/** Options of a recorder. */
export interface ApiRecorderOptions {
  /**
   * Sees each answered write (not GET) before its answer is relayed; `'withhold'` drops the
   * answer (the crash harness kills the client there: the write is applied, the client
   * never learns it).
   */
  onWrite?: (write: RecordedRequest) => 'relay' | 'withhold' | void;
}

/** Starts a recorder in front of the API server of the kubeconfig at `kubeconfigPath`. */
export async function startApiRecorder(
  kubeconfigPath: string,
  namespace: string,
  options: ApiRecorderOptions = {},
): Promise<ApiRecorder> {
  const { kubeConfig } = kubeReads(kubeconfigPath);
  const upstream = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
  const credentials: RequestOptions & { headers: Record<string, string> } = { headers: {} };
  await kubeConfig.applyToHTTPSOptions(credentials);
  const { ca, cert, key } = credentials;
  const authorization = credentials.headers.Authorization ?? credentials.headers.authorization;
  const port = Number(upstream.port || 443);
  const requests: RecordedRequest[] = [];

  const server = createServer((request, response) => {
    const method = request.method ?? 'GET';
    const entry: RecordedRequest = { method, url: request.url ?? '/', upgrade: false };
    requests.push(entry);
    const body: Buffer[] = [];
    request.on('data', (c: Buffer) => body.push(c));
    request.on('end', () => {
      const payload = Buffer.concat(body);
      if (method !== 'GET' && payload.length > 0) entry.body = parsed(payload.toString('utf8'));
      const headers: Record<string, string | string[] | undefined> = {
        ...request.headers,
        host: upstream.host,
      };
      if (authorization !== undefined) headers.authorization = authorization;
      const forward = httpsRequest(
        {
          host: upstream.hostname,
          port,
          method,
          path: request.url,
          headers,
          ca,
          cert,
          key,
        },
        (answer) => {
          entry.status = answer.statusCode;
          if (method === 'GET') {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
            return;
          }
          // A write's answer is read whole, recorded and shown to `onWrite` before it is relayed.
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const whole = Buffer.concat(chunks);
            entry.response = parsed(whole.toString('utf8'));
            if (options.onWrite?.(entry) === 'withhold') {
              response.destroy();
              return;
            }
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(whole);
          });
        },
      );
      forward.on('error', () => response.destroy());
      forward.end(payload);
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', upgrade: true });
    const tls = tlsConnect({ host: upstream.hostname, port, ca, cert, key }, () => {
      tls.write(headerBlock(request, upstream.host, authorization));
      if (head.length > 0) tls.write(head);
      tls.pipe(socket);
      socket.pipe(tls);
    });
    tls.on('error', () => socket.destroy());
    socket.on('error', () => tls.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-recorder-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: recorded',
      // Plain HTTP on loopback: switchyard asks for this to be said explicitly.
      `    cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
      'users:',
      '  - name: recorded',
      '    user: {}',
      'contexts:',
      '  - name: recorded',
      `    context: { cluster: recorded, user: recorded, namespace: ${namespace} }`,
      'current-context: recorded',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
