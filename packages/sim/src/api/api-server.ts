/**
 * The simulated Kubernetes API server: HTTPS on 127.0.0.1 with a CA generated at start,
 * bearer-token authentication on every path, discovery (legacy and aggregated), OpenAPI v3
 * from admission, the resource verbs, watches, `status`/`scale`, port-forward over
 * WebSocket, `pods/proxy`, and injected faults and latency. kubectl and
 * @kubernetes/client-node talk to it unmodified.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { PodNetwork } from '../net/pod-network.js';
import type { ApiFault } from '../scenario/scenario-schema.js';
import type { Admission } from '../store/admission.js';
import type { ObjectStore } from '../store/object-store.js';
import type { ResourceRegistry } from '../store/resource-types.js';
import {
  badRequest,
  internalError,
  methodNotAllowed,
  resourceNotFound,
  toApiStatusError,
  tooManyRequests,
  unauthorized,
} from './api-status.js';
import type { ApiStatusError } from './api-status.js';
import { aggregatedDiscoveryContentType, negotiateDiscovery } from './content-negotiation.js';
import {
  aggregatedDiscoveryDocument,
  apiGroupDocument,
  apiGroupListDocument,
  apiResourceListDocument,
  apiVersionsDocument,
  versionDocument,
} from './discovery.js';
import { FaultInjector, type FaultVerb } from './fault-injector.js';
import type { MutatingAdmission } from './mutating-admission.js';
import { openApiV3Document, openApiV3Paths } from './openapi-v3.js';
import { PodProxy } from './pod-proxy.js';
import { PortForwardServer } from './port-forward.js';
import { parseRequestTarget, type RequestTarget, type ResourceTarget } from './request-target.js';
import { ResourceHandler } from './resource-handler.js';
import { writeError, writeResponse } from './response-writer.js';
import { createTlsMaterial } from './tls-material.js';
import { WatchServer } from './watch-stream.js';

/** Construction options of the API server. */
export interface ApiServerOptions {
  /** The object store it serves. */
  store: ObjectStore;
  /** The types it serves (the store's registry). */
  registry: ResourceRegistry;
  /** Where port-forward and pods/proxy connect to. */
  podNetwork: PodNetwork;
  /** CRD schema validation, webhooks and OpenAPI v3; undefined serves without them. */
  admission?: Admission;
  /** Mutating admission plugins (pod admission, sidecar injection); undefined runs none. */
  mutatingAdmission?: MutatingAdmission;
  /**
   * Serve aggregated discovery (`apidiscovery.k8s.io/v2`) to clients that ask for it; true
   * when undefined. False answers with the legacy documents only, as pre-1.26 servers do.
   */
  aggregatedDiscovery?: boolean;
  /** Bearer token clients must present; a random one when undefined (read it from `token`). */
  token?: string;
  /** Injected failures. */
  faults?: readonly ApiFault[];
  /** Latency added to every request, milliseconds. */
  latencyMs?: number;
  /** Seed of the fault PRNG; 1 when undefined. */
  faultSeed?: number;
  /** Interval of BOOKMARK events on watches that allow them; 60 s (the real server's) when undefined. */
  watchBookmarkIntervalMs?: number;
}

/** Where a started server listens. */
export interface ApiServerAddress {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
}

const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;

function faultVerbOf(method: string, target: ResourceTarget, query: URLSearchParams): FaultVerb {
  const connect = target.subresource === 'proxy' || target.subresource === 'portforward';
  switch (method) {
    case 'GET':
      if (connect || target.name !== undefined) return 'get';
      return target.legacyWatch || query.get('watch') === 'true' || query.get('watch') === '1'
        ? 'watch'
        : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    default:
      return 'delete';
  }
}

function isWatch(
  request: IncomingMessage,
  target: ResourceTarget,
  query: URLSearchParams,
): boolean {
  if (request.method !== 'GET' || target.subresource !== undefined) return false;
  if (target.legacyWatch) return true;
  // `?watch` turns a list into a watch; a named GET ignores it, as the real server does.
  return target.name === undefined && (query.get('watch') === 'true' || query.get('watch') === '1');
}

function writeRawStatus(socket: Duplex, error: ApiStatusError): void {
  const body = JSON.stringify(error.status);
  const extra = Object.entries(error.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${error.code} ${error.status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** The simulated API server. */
export class ApiServer {
  /** The bearer token clients must send. Never log it. */
  readonly token: string;
  readonly #registry: ResourceRegistry;
  readonly #admission: Admission | undefined;
  readonly #aggregatedDiscovery: boolean;
  readonly #faults: FaultInjector;
  readonly #resources: ResourceHandler;
  readonly #watches: WatchServer;
  readonly #portForward: PortForwardServer;
  readonly #proxy: PodProxy;
  #latencyMs: number;
  #server: Server | undefined;
  #address: ApiServerAddress | undefined;

  constructor(options: ApiServerOptions) {
    this.#registry = options.registry;
    this.#admission = options.admission;
    this.#aggregatedDiscovery = options.aggregatedDiscovery ?? true;
    this.token = options.token ?? randomBytes(32).toString('base64url');
    this.#faults = new FaultInjector(options.faults ?? [], options.faultSeed ?? 1);
    this.#latencyMs = options.latencyMs ?? 0;
    this.#resources = new ResourceHandler({
      store: options.store,
      registry: options.registry,
      ...(options.admission ? { admission: options.admission } : {}),
      ...(options.mutatingAdmission ? { mutatingAdmission: options.mutatingAdmission } : {}),
    });
    this.#watches = new WatchServer(options.store, {
      bookmarkIntervalMs: options.watchBookmarkIntervalMs ?? 60_000,
      defaultTimeoutSeconds: DEFAULT_WATCH_TIMEOUT_SECONDS,
    });
    this.#portForward = new PortForwardServer(options.store, options.podNetwork);
    this.#proxy = new PodProxy(options.store, options.podNetwork);
  }

  /** The address once started; undefined before `start` and after `stop`. */
  get address(): ApiServerAddress | undefined {
    return this.#address;
  }

  /** Replaces the injected faults. */
  setFaults(faults: readonly ApiFault[]): void {
    this.#faults.setFaults(faults);
  }

  /** How many injected faults of each kind requests have met so far. */
  faultsInjected(): Readonly<Record<ApiFault['kind'], number>> {
    return this.#faults.injected();
  }

  /** Sets the latency added to every request, milliseconds. */
  setLatency(ms: number): void {
    this.#latencyMs = Math.max(0, ms);
  }

  /** Generates the TLS material and listens on 127.0.0.1 (an ephemeral port unless given). */
  async start(options: { port?: number } = {}): Promise<ApiServerAddress> {
    if (this.#server) throw new Error('ApiServer already started');
    const tls = await createTlsMaterial();
    const server = createServer(
      { key: tls.keyPem, cert: tls.certPem, noDelay: true, keepAlive: true },
      (request, response) => {
        void this.#onRequest(request, response);
      },
    );
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      void this.#onUpgrade(request, socket, head);
    });
    // TLS handshakes that fail (a client not trusting the CA) are the client's problem.
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.#address = { url: `https://127.0.0.1:${port}`, caPem: tls.caPem };
    return this.#address;
  }

  /** Ends watches and port-forwards, closes every connection and stops listening. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#address = undefined;
    this.#watches.closeAll();
    this.#portForward.closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #authenticated(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    const presented = createHash('sha256').update(header.slice('Bearer '.length).trim()).digest();
    const expected = createHash('sha256').update(this.token).digest();
    return timingSafeEqual(presented, expected);
  }

  /** Applies latency and faults; returns false when the request was answered (or dropped). */
  async #admitTraffic(
    request: IncomingMessage,
    target: RequestTarget,
    query: URLSearchParams,
    answer: (error: ApiStatusError) => void,
    drop: () => void,
  ): Promise<boolean> {
    if (this.#latencyMs > 0) await delay(this.#latencyMs);
    if (target.kind !== 'resource') return true;
    const resource = target.subresource
      ? `${target.type.plural}/${target.subresource}`
      : target.type.plural;
    const fault = this.#faults.pick(faultVerbOf(request.method ?? 'GET', target, query), resource);
    if (!fault) return true;
    switch (fault.kind) {
      case 'drop':
        drop();
        return false;
      case 'throttle':
        answer(tooManyRequests(fault.retryAfterSeconds));
        return false;
      case 'error':
        answer(internalError('etcdserver: request timed out'));
        return false;
    }
  }

  async #onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      if (!this.#authenticated(request)) throw unauthorized();
      const url = new URL(request.url ?? '/', 'https://127.0.0.1');
      const target = parseRequestTarget(url.pathname, this.#registry);
      const proceed = await this.#admitTraffic(
        request,
        target,
        url.searchParams,
        (error) => writeError(response, error),
        () => request.socket.destroy(),
      );
      if (!proceed) return;
      if (target.kind === 'resource') {
        await this.#serveResource(request, response, target, url);
        return;
      }
      this.#serveNonResource(request, response, target);
    } catch (error) {
      writeError(response, error);
    }
  }

  async #serveResource(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceTarget,
    url: URL,
  ): Promise<void> {
    const query = url.searchParams;
    if (target.subresource === 'proxy' && target.type.subresources.includes('proxy')) {
      if (target.name === undefined) throw resourceNotFound();
      await this.#proxy.handle(request, response, target, url.search);
      return;
    }
    if (target.subresource === 'portforward' && target.type.subresources.includes('portforward')) {
      if (request.method !== 'GET' && request.method !== 'POST') throw methodNotAllowed();
      throw badRequest('Upgrade request required');
    }
    if (isWatch(request, target, query)) {
      this.#watches.serve(request, response, target, query);
      return;
    }
    const result = await this.#resources.handle(request, target, query);
    writeResponse(response, result, result.yaml);
  }

  #serveNonResource(
    request: IncomingMessage,
    response: ServerResponse,
    target: Exclude<RequestTarget, ResourceTarget>,
  ): void {
    if (target.kind === 'unknown') {
      response.writeHead(404, {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end('404 page not found\n');
      return;
    }
    if (target.kind === 'resource-not-found') throw resourceNotFound();
    if (request.method !== 'GET' && request.method !== 'HEAD') throw methodNotAllowed();
    const accept = request.headers.accept;
    switch (target.kind) {
      case 'version':
        writeResponse(response, { code: 200, body: versionDocument() });
        return;
      case 'health':
        response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end('ok');
        return;
      case 'api-versions':
      case 'api-group-list': {
        const aggregated = this.#aggregatedDiscovery ? negotiateDiscovery(accept) : undefined;
        if (aggregated) {
          writeResponse(response, {
            code: 200,
            body: aggregatedDiscoveryDocument(
              this.#registry,
              target.kind === 'api-versions' ? 'core' : 'groups',
              aggregated,
            ),
            contentType: aggregatedDiscoveryContentType(aggregated),
          });
        } else if (target.kind === 'api-versions') {
          writeResponse(response, {
            code: 200,
            body: apiVersionsDocument(request.headers.host ?? '127.0.0.1'),
          });
        } else {
          writeResponse(response, { code: 200, body: apiGroupListDocument(this.#registry) });
        }
        return;
      }
      case 'api-group': {
        const document = apiGroupDocument(this.#registry, target.group);
        if (!document) throw resourceNotFound();
        writeResponse(response, { code: 200, body: document });
        return;
      }
      case 'api-resource-list':
        writeResponse(response, {
          code: 200,
          body: apiResourceListDocument(this.#registry, target.group, target.version),
        });
        return;
      case 'openapi-v2':
        // kubectl falls back to its compiled-in types when the v2 document is missing.
        throw resourceNotFound();
      case 'openapi-v3-index': {
        const paths: Record<string, { serverRelativeURL: string }> = {};
        for (const path of openApiV3Paths(this.#registry.all())) {
          const [, group, version] = path.startsWith('api/')
            ? ['', '', path.slice(4)]
            : path.split('/');
          const hash = createHash('sha512')
            .update(JSON.stringify(this.#openApiV3(group ?? '', version ?? '')))
            .digest('hex')
            .toUpperCase();
          paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
        }
        writeResponse(response, { code: 200, body: { paths } });
        return;
      }
      case 'openapi-v3': {
        const document = this.#openApiV3(target.group, target.version);
        if (!document) throw resourceNotFound();
        writeResponse(response, { code: 200, body: document });
        return;
      }
    }
  }

  #openApiV3(group: string, version: string): Record<string, unknown> | undefined {
    return openApiV3Document(this.#registry.all(), group, version, (type, v) =>
      this.#admission?.crdSchema(type, v),
    );
  }

  async #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      if (!this.#authenticated(request)) throw unauthorized();
      const url = new URL(request.url ?? '/', 'https://127.0.0.1');
      const target = parseRequestTarget(url.pathname, this.#registry);
      const proceed = await this.#admitTraffic(
        request,
        target,
        url.searchParams,
        (error) => writeRawStatus(socket, error),
        () => socket.destroy(),
      );
      if (!proceed) return;
      if (
        target.kind !== 'resource' ||
        target.subresource !== 'portforward' ||
        !target.type.subresources.includes('portforward')
      ) {
        throw target.kind === 'resource' && target.subresource === undefined
          ? methodNotAllowed()
          : resourceNotFound();
      }
      if (target.name === undefined) throw resourceNotFound();
      this.#portForward.handleUpgrade(request, socket, head, target, url.searchParams);
    } catch (error) {
      writeRawStatus(socket, toApiStatusError(error));
    }
  }
}
