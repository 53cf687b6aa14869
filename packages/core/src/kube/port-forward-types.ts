/**
 * The shapes of a port-forward: what to forward to, how to open one, an open one and the
 * requests sent through it, and the `PortForwarder` seam the gates depend on.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The pod port to forward to. */
export interface PortForwardTarget {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  pod: string;
  /** Port in the pod. */
  port: number;
}

/** Options of {@link openPortForward}. */
export interface OpenPortForwardOptions {
  /**
   * Open one WebSocket before returning, so a missing pod or missing RBAC fails here
   * (default true); the probe connection is closed at once.
   */
  verify?: boolean | undefined;
  /** Extra values to redact from messages, besides the kubeconfig's credentials. */
  secrets?: readonly string[] | undefined;
}

/** Options of one request through a forwarded port. */
export interface ForwardedRequestOptions {
  /** HTTP method (default `GET`). */
  method?: string | undefined;
  /** Request headers (never logged or put in messages). */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Request body. */
  body?: string | Buffer | undefined;
  /** Time allowed for the whole exchange, in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Largest response body accepted, in bytes (default 64 MiB; config_dump can be large). */
  maxBodyBytes?: number | undefined;
  /** Aborts the request. */
  signal?: AbortSignal | undefined;
}

/** A response received through a forwarded port. */
export interface ForwardedResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: IncomingHttpHeaders;
  /** Raw body. */
  body: Buffer;
}

/** An open port-forward. */
export interface ForwardedPort {
  /** `http://127.0.0.1:<local port>`. */
  readonly baseUrl: string;
  /** Local port. */
  readonly localPort: number;
  /** The forwarded pod port. */
  readonly target: PortForwardTarget;
  /** Last failure of a forwarded connection (error channel text or WebSocket failure), redacted. */
  readonly lastError: string | undefined;
  /** Sends one HTTP request through the forward (keep-alive connections are reused). */
  fetch(path: string, options?: ForwardedRequestOptions): Promise<ForwardedResponse>;
  /** Closes the listener, every forwarded connection and WebSocket. Safe to call twice. */
  close(): Promise<void>;
}

/** Opens port-forwards; the seam gates depend on so tests can fake it. */
export interface PortForwarder {
  /** Opens a forward to `target`; rejects with PortForwardError. */
  open(target: PortForwardTarget, options?: OpenPortForwardOptions): Promise<ForwardedPort>;
}
