/**
 * The mechanics of an open port-forward, the way `kubectl port-forward` does it: a
 * `net.Server` on 127.0.0.1:0 accepts local connections; each accepted connection gets its
 * own WebSocket (client-node's `PortForward`, one port per call) and bytes are piped both
 * ways. HTTP keep-alive therefore works (several requests over one connection = one
 * WebSocket), and `close()` ends every connection, WebSocket and the listener.
 */
import { Agent, request as httpRequest } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { PortForwardError, type ObjectRef } from '../errors.js';
import { kubeconfigSecrets, redactSecrets } from './redact-secrets.js';
import type {
  ForwardedPort,
  ForwardedRequestOptions,
  ForwardedResponse,
  PortForwardTarget,
} from './port-forward-types.js';

// Minimal view of the `ws` WebSocket client-node returns (core does not depend on `ws`).
interface ForwardSocket {
  readonly readyState: number;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): void;
  terminate(): void;
}

const WS_CLOSED = 3;
// How long a closing WebSocket may take its closing handshake before it is cut.
const CLOSE_GRACE_MS = 1_000;
const MAX_ERROR_TEXT = 500;

/** One open port-forward: the local listener, its connections and their WebSockets. */
export class ActivePortForward implements ForwardedPort {
  readonly target: PortForwardTarget;
  readonly #kubeConfig: KubeConfig;
  readonly #extraSecrets: readonly string[];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #webSockets = new Set<ForwardSocket>();
  // One agent per forward: keep-alive connections are reused, and destroyed on close.
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 4 });
  #localPort = 0;
  #lastError: string | undefined;
  #closed: Promise<void> | undefined;

  constructor(kubeConfig: KubeConfig, target: PortForwardTarget, extraSecrets: readonly string[]) {
    this.#kubeConfig = kubeConfig;
    this.target = { ...target };
    this.#extraSecrets = extraSecrets;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#localPort}`;
  }

  get localPort(): number {
    return this.#localPort;
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void =>
        reject(this.#error(`cannot listen on 127.0.0.1: ${error.message}`, error));
      this.#server.once('error', onError);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        this.#localPort = typeof address === 'object' && address ? address.port : 0;
        resolve();
      });
    });
  }

  async probe(): Promise<void> {
    // The probe sends nothing and discards whatever comes back.
    const ws = await this.#connect(discard(), discard(), new PassThrough());
    ws.close();
    await this.#waitClosed(ws);
  }

  async fetch(path: string, options: ForwardedRequestOptions = {}): Promise<ForwardedResponse> {
    if (this.#closed)
      throw this.#error(`${options.method ?? 'GET'} ${path}: the port-forward is closed`);
    const method = options.method ?? 'GET';
    const timeoutMs = options.timeoutMs ?? 10_000;
    const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    return new Promise<ForwardedResponse>((resolve, reject) => {
      let settled = false;
      const fail = (message: string, cause?: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        const channel = this.#lastError ? `; port-forward error: ${this.#lastError}` : '';
        reject(this.#error(`${method} ${path}: ${message}${channel}`, cause));
      };
      const onAbort = (): void => fail('aborted');
      const timer = setTimeout(
        () => fail(`no complete response within ${timeoutMs} ms`),
        timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port: this.#localPort,
          path,
          method,
          agent: this.#agent,
          headers: {
            ...options.headers,
            ...(options.body !== undefined
              ? { 'content-length': Buffer.byteLength(options.body) }
              : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) {
              fail(`response larger than ${maxBodyBytes} bytes`);
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error) => fail(`response failed: ${error.message}`, error));
          response.on('end', () => {
            if (settled) return;
            settled = true;
            cleanup();
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks),
            });
          });
        },
      );
      request.on('error', (error) => fail(`request failed: ${error.message}`, error));
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      request.end(options.body);
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#closeAll();
    return this.#closed;
  }

  async #closeAll(): Promise<void> {
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#agent.destroy();
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([...this.#webSockets].map((ws) => this.#closeWebSocket(ws)));
    await serverClosed;
  }

  #accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    let webSocket: ForwardSocket | undefined;
    // Writes after the peer went away must not crash the process.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (webSocket) void this.#closeWebSocket(webSocket);
    });
    const errors = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        // The first frame of the error channel carries only the port number (stripped by
        // client-node, leaving an empty chunk); any text after it is a forwarding failure.
        const text = chunk.toString('utf8').trim();
        if (text) {
          this.#lastError = this.#redact(text.slice(0, MAX_ERROR_TEXT));
          socket.destroy();
        }
        done();
      },
    });
    this.#connect(socket, errors, socket).then(
      (ws) => {
        webSocket = ws;
        if (socket.destroyed) void this.#closeWebSocket(ws);
        ws.on('close', () => {
          this.#webSockets.delete(ws);
          // The pod side closed: finish sending what we have, then close the local side.
          socket.end();
        });
      },
      // #connect recorded the failure in #lastError; the local client sees the connection drop.
      () => socket.destroy(),
    );
  }

  async #connect(output: Writable, errors: Writable, input: Readable): Promise<ForwardSocket> {
    const { namespace, pod, port } = this.target;
    let result: unknown;
    try {
      result = await new PortForward(this.#kubeConfig).portForward(
        namespace,
        pod,
        [port],
        output,
        errors,
        input,
      );
    } catch (error) {
      const detail = this.#redact(describeConnectFailure(error, namespace));
      this.#lastError = detail;
      throw this.#error(detail, error);
    }
    if (typeof result === 'function' || !result)
      throw this.#error('client-node returned no WebSocket');
    const ws = result as ForwardSocket;
    this.#webSockets.add(ws);
    ws.on('error', (error) => {
      this.#lastError = this.#redact(error.message);
    });
    ws.on('close', () => this.#webSockets.delete(ws));
    if (this.#closed) void this.#closeWebSocket(ws);
    return ws;
  }

  #closeWebSocket(ws: ForwardSocket): Promise<void> {
    if (ws.readyState === WS_CLOSED) return Promise.resolve();
    ws.close();
    return this.#waitClosed(ws);
  }

  #waitClosed(ws: ForwardSocket): Promise<void> {
    if (ws.readyState === WS_CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      // A server that never answers the closing handshake must not hold close() up.
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_GRACE_MS);
      timer.unref();
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #redact(text: string): string {
    return redactSecrets(text, [...kubeconfigSecrets(this.#kubeConfig), ...this.#extraSecrets]);
  }

  #error(message: string, cause?: unknown): PortForwardError {
    const redacted = this.#redact(message);
    // Never keep the raw failure: a ws ErrorEvent references the WebSocket and its request
    // options, Authorization header included.
    const safeCause = cause === undefined ? undefined : new Error(this.#redact(messageOf(cause)));
    return new PortForwardError(
      podRef(this.target),
      this.target.port,
      redacted,
      safeCause ? { cause: safeCause } : undefined,
    );
  }
}

function describeConnectFailure(error: unknown, namespace: string): string {
  const message = messageOf(error);
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  switch (status) {
    case '404':
      return 'pod not found or not running (the API server answered 404)';
    case '403':
      return `forbidden (403): port-forward needs RBAC "create pods/portforward" in namespace ${namespace}`;
    case '401':
      return 'unauthorized (401): the kubeconfig credentials were rejected';
    case '400':
      return 'the API server refused the port-forward (400): is the pod running?';
    case undefined:
      return `cannot open the port-forward WebSocket: ${message}`;
    default:
      return `the API server answered ${status} to the port-forward`;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  // ws reports connection failures as ErrorEvent objects, not Errors.
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** The pod a forward goes to, for errors. */
export function podRef(target: PortForwardTarget): ObjectRef {
  return { kind: 'Pod', namespace: target.namespace, name: target.pod };
}

/** The start of a response body, on one line, for errors. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat || '(empty body)';
}
