/**
 * A small stand-in for the Kubernetes API server for unit tests of `kube/`: real Status
 * bodies, resourceVersion conflicts, JSON Patch `test` failures as the API server reports
 * them, group discovery for `networking.istio.io`, bearer-token auth, scripted faults
 * (429 with Retry-After, 5xx, dropped connections before or after a write is applied), and
 * port-forward over WebSocket (`v4.channel.k8s.io`) to local TCP ports. Object semantics
 * are in `fake-api-objects.ts`, the port-forward protocol in `fake-port-forward.ts`. Plain HTTP on
 * 127.0.0.1 (the kubeconfig sets insecure-skip-tls-verify, as client-node requires for HTTP).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  conflict,
  invalidWeight,
  KIND_BY_PLURAL,
  labelsOf,
  patchedObject,
  status,
  type Json,
} from './fake-api-objects.js';
import { matchesLabelSelector, parseLabelSelector } from '../label-selector.js';
import { writeFakeKubeconfig } from './fake-kubeconfig.js';
import { acceptPortForward, type FakePod } from './fake-port-forward.js';

export { status } from './fake-api-objects.js';
export type { FakePod } from './fake-port-forward.js';

/** A request the fake received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path without query. */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Request headers. */
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, when any. */
  body: unknown;
}

/** A scripted answer. */
export type FaultAction =
  | { kind: 'respond'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Drop the connection without handling the request. */
  | { kind: 'reset-before' }
  /** Handle the request (a write is applied), then drop the connection instead of answering. */
  | { kind: 'reset-after' };

/** A fault applied to matching requests, `times` times (default once). */
export interface Fault {
  /** Which requests it applies to. */
  match: (request: RecordedRequest) => boolean;
  /** What to do. */
  action: FaultAction;
  /** How many matching requests it affects. */
  times?: number;
}

/** The fake API server. */
export class FakeApiServer {
  /** Bearer token it accepts. */
  readonly token: string;
  /** Requests received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** Scripted faults, consumed in order. */
  readonly faults: Fault[] = [];
  /** Served versions of networking.istio.io (`[]` = group not served). */
  istioVersions: string[] = ['v1', 'v1beta1', 'v1alpha3'];
  /** Pods accepting port-forwards, by `namespace/name`. */
  readonly pods = new Map<string, FakePod>();
  /** WebSocket connections currently open. */
  openWebSockets = 0;
  /** WebSocket connections accepted in total. */
  acceptedWebSockets = 0;
  readonly #objects = new Map<string, Json>();
  readonly #server: Server;
  readonly #sockets = new Set<Duplex>();
  #resourceVersion = 100;
  #port = 0;

  private constructor(token: string) {
    this.token = token;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => this.#track(socket));
    this.#server.on('upgrade', (req, socket: Duplex) => this.#upgrade(req, socket));
  }

  /** Starts a fake on 127.0.0.1 with a random port. */
  static async start(token = 'fake-token-0123456789'): Promise<FakeApiServer> {
    const fake = new FakeApiServer(token);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const address = fake.#server.address();
    fake.#port = typeof address === 'object' && address ? address.port : 0;
    return fake;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Writes a kubeconfig for this server to a temp file and returns its path. */
  writeKubeconfig(options: { token?: string; namespace?: string } = {}): string {
    return writeFakeKubeconfig(this.url, options.token ?? this.token, options.namespace);
  }

  /** Stores `object` as if created (assigning uid, resourceVersion, generation). */
  seed<T extends Json>(object: T): T {
    const meta = object.metadata as Json;
    const key = this.#keyOf(
      String(object.apiVersion),
      String(object.kind),
      String(meta.namespace),
      String(meta.name),
    );
    const stored = structuredClone(object) as Json;
    const storedMeta = stored.metadata as Json;
    storedMeta.uid = `uid-${String(meta.name)}`;
    storedMeta.resourceVersion = this.#nextVersion();
    storedMeta.generation = 1;
    this.#objects.set(key, stored);
    return structuredClone(stored) as T;
  }

  /** The stored object, as last written. */
  stored(apiVersion: string, kind: string, namespace: string, name: string): Json | undefined {
    const object = this.#objects.get(this.#keyOf(apiVersion, kind, namespace, name));
    return object ? structuredClone(object) : undefined;
  }

  /** Changes a stored object out of band (another writer), bumping its resourceVersion. */
  edit(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    change: (object: Json) => void,
  ): void {
    const key = this.#keyOf(apiVersion, kind, namespace, name);
    const object = this.#objects.get(key);
    if (!object) throw new Error(`no ${key}`);
    change(object);
    (object.metadata as Json).resourceVersion = this.#nextVersion();
  }

  /** Requests that are not discovery. */
  resourceRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path !== '/apis/networking.istio.io');
  }

  /** Stops the server and every connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: Duplex): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #nextVersion(): string {
    this.#resourceVersion += 1;
    return String(this.#resourceVersion);
  }

  #keyOf(apiVersion: string, kind: string, namespace: string, name: string): string {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    return `${group}|${kind.toLowerCase()}s|${namespace}|${name}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.requests.push(recorded);
    const fault = this.#takeFault(recorded);
    if (fault?.kind === 'reset-before') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'respond') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(
        typeof fault.body === 'string'
          ? fault.body
          : JSON.stringify(fault.body ?? status(fault.status, 'InternalError', 'injected')),
      );
      return;
    }
    const [code, body] = this.#route(recorded);
    if (fault?.kind === 'reset-after') {
      req.socket.destroy();
      return;
    }
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #takeFault(request: RecordedRequest): FaultAction | undefined {
    const index = this.faults.findIndex((f) => f.match(request));
    if (index < 0) return undefined;
    const fault = this.faults[index] as Fault;
    const remaining = (fault.times ?? 1) - 1;
    if (remaining <= 0) this.faults.splice(index, 1);
    else fault.times = remaining;
    return fault.action;
  }

  #route(request: RecordedRequest): [number, unknown] {
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      return [401, status(401, 'Unauthorized', 'Unauthorized')];
    }
    if (request.path === '/apis/networking.istio.io') {
      if (this.istioVersions.length === 0)
        return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
      return [
        200,
        {
          kind: 'APIGroup',
          apiVersion: 'v1',
          name: 'networking.istio.io',
          versions: this.istioVersions.map((version) => ({
            groupVersion: `networking.istio.io/${version}`,
            version,
          })),
          preferredVersion: {
            groupVersion: `networking.istio.io/${this.istioVersions[0]}`,
            version: this.istioVersions[0],
          },
        },
      ];
    }
    const match =
      /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/.exec(
        request.path,
      );
    if (!match)
      return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
    const [
      ,
      coreVersion,
      group = '',
      groupVersion,
      namespace = '',
      plural = '',
      name,
      subresource,
    ] = match;
    const version = coreVersion ?? groupVersion ?? '';
    if (group === 'networking.istio.io' && !this.istioVersions.includes(version)) {
      return [404, status(404, 'NotFound', 'the server could not find the requested resource')];
    }
    const apiVersion = group ? `${group}/${version}` : version;
    const kind = KIND_BY_PLURAL[plural] ?? plural;
    const key = `${group}|${plural}|${namespace}|${name ?? ''}`;
    const resource = group ? `${plural}.${group}` : plural;
    const notFound = (): [number, unknown] => [
      404,
      status(404, 'NotFound', `${resource} "${name}" not found`, { name, group, kind: plural }),
    ];
    const view = (object: Json): Json => ({ ...structuredClone(object), apiVersion, kind });
    const dryRun = request.query.dryRun === 'All';

    if (request.method === 'GET' && !name) {
      const { selector, problem } = parseLabelSelector(request.query.labelSelector ?? '');
      if (problem !== undefined) return [400, status(400, 'BadRequest', problem)];
      const items = [...this.#objects.entries()]
        .filter(([k]) => k.startsWith(`${group}|${plural}|${namespace}|`))
        .map(([, object]) => object)
        .filter((object) => matchesLabelSelector(labelsOf(object), selector));
      return [
        200,
        {
          kind: `${kind}List`,
          apiVersion,
          metadata: { resourceVersion: String(this.#resourceVersion) },
          items: items.map((o) => structuredClone(o)),
        },
      ];
    }
    if (request.method === 'GET') {
      const object = this.#objects.get(key);
      return object ? [200, view(object)] : notFound();
    }
    if (request.method === 'POST') {
      const body = request.body as Json;
      const meta = body.metadata as Json;
      const createKey = `${group}|${plural}|${namespace}|${String(meta.name)}`;
      if (this.#objects.has(createKey)) {
        return [
          409,
          status(409, 'AlreadyExists', `${resource} "${String(meta.name)}" already exists`, {
            name: meta.name,
            group,
            kind: plural,
          }),
        ];
      }
      const stored = structuredClone(body);
      Object.assign(stored.metadata as Json, {
        uid: `uid-${String(meta.name)}`,
        resourceVersion: this.#nextVersion(),
        generation: 1,
        namespace,
      });
      if (!dryRun) this.#objects.set(createKey, stored);
      return [201, view(stored)];
    }
    const current = this.#objects.get(key);
    if (!current) return notFound();
    let next: Json;
    if (request.method === 'PUT') {
      next = structuredClone(request.body as Json);
      const sent = (next.metadata as Json).resourceVersion;
      if (sent !== undefined && sent !== (current.metadata as Json).resourceVersion)
        return conflict(resource, name ?? '');
    } else if (request.method === 'PATCH') {
      const patched = patchedObject(
        current,
        request.headers['content-type'],
        request.body,
        resource,
        name ?? '',
      );
      if (Array.isArray(patched)) return patched;
      next = patched;
    } else {
      return [
        405,
        status(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        ),
      ];
    }
    const weight = ((next.spec as Json | undefined)?.weight as number | undefined) ?? 0;
    if (weight < 0) return invalidWeight(kind, group, name ?? '', weight);
    const meta = next.metadata as Json;
    const currentMeta = current.metadata as Json;
    Object.assign(meta, {
      uid: currentMeta.uid,
      resourceVersion: this.#nextVersion(),
      generation: currentMeta.generation,
    });
    if (subresource !== 'status' && JSON.stringify(next.spec) !== JSON.stringify(current.spec))
      meta.generation = Number(currentMeta.generation) + 1;
    if (!dryRun) this.#objects.set(key, next);
    return [200, view(next)];
  }

  #upgrade(req: IncomingMessage, socket: Duplex): void {
    this.#track(socket);
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({
      method: 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: undefined,
    });
    const reject = (code: number, text: string): void => {
      socket.end(
        `HTTP/1.1 ${code} ${text}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify(status(code, text, text))}`,
      );
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return reject(401, 'Unauthorized');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const pod = match ? this.pods.get(`${match[1]}/${match[2]}`) : undefined;
    if (!pod) return reject(404, 'NotFound');
    acceptPortForward(req, socket, pod, Number(url.searchParams.get('ports')), {
      opened: () => {
        this.openWebSockets += 1;
        this.acceptedWebSockets += 1;
      },
      closed: () => {
        this.openWebSockets -= 1;
      },
    });
  }
}
