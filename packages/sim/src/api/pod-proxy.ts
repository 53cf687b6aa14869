/**
 * `pods/proxy`: `/api/v1/namespaces/{ns}/pods/{name}[:{port}]/proxy/{path}` forwarded to the
 * pod's port over the pod network. Like the real API server, the request reaches the pod
 * without the caller's `Authorization` header (the server consumed it) and from the API
 * server, not from the pod's loopback, so istiod's debug endpoints answer 401 here while
 * port-forward works (istio.md section 1).
 *
 * Contract for simulated pod handlers (istiod's `/debug/*`): a request for which
 * `isViaApiServerProxy(request)` is true did not arrive on loopback. Real istiod allows
 * debug endpoints only from loopback or with a bearer token, so it must answer 401 to such
 * a request when it carries no valid `Authorization` header, which through this proxy is
 * always.
 */
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { PodNetwork } from '../net/pod-network.js';
import type { ObjectStore } from '../store/object-store.js';
import { ApiStatusError, badRequest } from './api-status.js';
import type { ResourceTarget } from './request-target.js';

/**
 * The header the API server's reverse proxy (Go's `httputil.ReverseProxy`) adds to every
 * proxied request, carrying the original client's address.
 */
const FORWARDED_FOR = 'x-forwarded-for';
const API_SERVER_CLIENT_ADDRESS = '127.0.0.1';

/**
 * True when `request` reached a simulated pod through the API server's `pods/proxy`
 * rather than through port-forward (or from inside the pod). Pod connections in the
 * simulator carry no remote address, so the proxy hop is recognised by the
 * `X-Forwarded-For` header the real API server's proxy adds and a port-forwarded client
 * does not send.
 */
export function isViaApiServerProxy(request: IncomingMessage): boolean {
  return request.headers[FORWARDED_FOR] !== undefined;
}

// Hop-by-hop headers (RFC 9110 section 7.6.1) are never forwarded by a proxy.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardedRequestHeaders(
  headers: IncomingHttpHeaders,
  host: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'authorization' || name === 'host')
      continue;
    out[name] = value;
  }
  out.host = host;
  const prior = headers[FORWARDED_FOR];
  out[FORWARDED_FOR] = prior
    ? `${String(prior)}, ${API_SERVER_CLIENT_ADDRESS}`
    : API_SERVER_CLIENT_ADDRESS;
  return out;
}

function forwardedResponseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** Parses `name`, `name:port` or `scheme:name:port` as the pod proxy URL allows. */
function parsePodAddress(raw: string): { scheme: string; name: string; port: string } {
  const parts = raw.split(':');
  if (parts.length === 3)
    return { scheme: parts[0] as string, name: parts[1] as string, port: parts[2] as string };
  if (parts.length === 2) return { scheme: '', name: parts[0] as string, port: parts[1] as string };
  return { scheme: '', name: raw, port: '' };
}

function dialError(address: string, reason: string): ApiStatusError {
  // Not a StatusError on the real server either: a 500 whose reason is empty.
  return new ApiStatusError({
    message: `error trying to reach service: dial tcp ${address}: ${reason}`,
    code: 500,
  });
}

/** Serves `pods/proxy` requests. */
export class PodProxy {
  readonly #store: ObjectStore;
  readonly #podNetwork: PodNetwork;

  constructor(store: ObjectStore, podNetwork: PodNetwork) {
    this.#store = store;
    this.#podNetwork = podNetwork;
  }

  /** Forwards one request; throws an ApiStatusError when the pod cannot be reached. */
  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceTarget,
    search: string,
  ): Promise<void> {
    const address = parsePodAddress(target.name ?? '');
    const namespace = target.namespace ?? '';
    const pod = this.#store.peek(target.type, namespace, address.name);
    if (!pod) throw this.#store.notFound(target.type, address.name);
    const podIp = (pod.status as { podIP?: string } | undefined)?.podIP;
    if (!podIp) throw badRequest('address not allowed');
    let port = address.port;
    if (port === '') {
      // No port in the URL: the first declared container port, as the pod registry picks it.
      const containers =
        (pod.spec as { containers?: { ports?: { containerPort?: number }[] }[] } | undefined)
          ?.containers ?? [];
      const first = containers
        .flatMap((c) => c.ports ?? [])
        .find((p) => p.containerPort !== undefined);
      port = first ? String(first.containerPort) : '80';
    }
    const hostPort = `${podIp}:${port}`;
    if (!/^\d+$/.test(port)) throw dialError(hostPort, `address ${hostPort}: unknown port`);
    if (address.scheme === 'https') {
      // Simulated pods speak plain HTTP; a TLS dial to them fails like a handshake against HTTP would.
      throw dialError(hostPort, 'tls: first record does not look like a TLS handshake');
    }
    const connection = this.#podNetwork.connect({ namespace, name: address.name }, Number(port));
    if (!connection) throw dialError(hostPort, 'connect: connection refused');

    await new Promise<void>((resolve) => {
      const upstream = httpRequest({
        method: request.method ?? 'GET',
        path: `${target.proxyPath === '' || target.proxyPath === undefined ? '/' : target.proxyPath}${search}`,
        headers: forwardedRequestHeaders(request.headers, hostPort),
        // Without an agent, Node dials through createConnection: the pod network stream.
        createConnection: () => connection,
      });
      upstream.on('response', (upstreamResponse) => {
        response.writeHead(
          upstreamResponse.statusCode ?? 502,
          forwardedResponseHeaders(upstreamResponse.headers),
        );
        upstreamResponse.pipe(response);
        upstreamResponse.on('end', () => {
          connection.destroy();
          resolve();
        });
        upstreamResponse.on('error', () => {
          response.destroy();
          resolve();
        });
      });
      upstream.on('error', (error) => {
        connection.destroy();
        if (!response.headersSent) {
          const status = dialError(hostPort, error.message);
          response.writeHead(status.code, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify(status.status));
        } else {
          response.destroy();
        }
        resolve();
      });
      request.pipe(upstream);
    });
  }
}
