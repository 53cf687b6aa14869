/**
 * Synthetic clients: each scenario client is a Deployment whose ready pods send requests
 * through their own sidecar. Every request is routed over the config that sidecar has
 * *applied* (a stale proxy keeps routing by old weights), served by the chosen pod's image
 * behaviour, and recorded by both reporters the way Istio's proxies record it. Metrics
 * therefore lag configuration exactly as much as proxies lag istiod.
 *
 * Time: the generator runs in steps (about every 100 ms). A step issues the requests the
 * clients' rates owe for the elapsed time, evenly spaced, and records each request when
 * it completes (arrival + latency), so durations and counts appear when Envoy would
 * record them. Work per step is bounded: at most one second's worth of requests.
 *
 * A client with `protocol: grpc` makes unary gRPC calls: the server answers HTTP 200 with
 * the `grpc-status` its image's `grpcErrorRate` decides, Envoy answers its own failures as
 * trailers-only replies (HTTP 200 + a derived status), and both reporters record
 * `request_protocol="grpc"` with `grpc_response_status` (`grpc-status.ts`).
 *
 * Before the sidecar, the application resolves the host with cluster DNS: a name that is
 * no Service fails without any request. Istio's `allow_any` catch-all sends a request to
 * the Service's ClusterIP (kube-proxy picks a ready endpoint), bypassing VirtualServices.
 *
 * Not modelled: clients without a sidecar (they send nothing here; in a real mesh they
 * would bypass the VirtualService), TCP-protocol ports (only HTTP route configurations are
 * followed), request and response sizes, TCP metrics.
 */
import type { ClusterConfig, ClusterEndpoint, MeshView, ProxyView } from '../mesh/mesh-types.js';
import type { IstioMetrics } from '../metrics/istio-metrics.js';
import {
  destinationReporterLabels,
  sourceReporterLabels,
  type ServiceIdentity,
  type UpstreamPeer,
} from '../metrics/istio-request-labels.js';
import {
  DEFAULT_MESH_IDENTITY,
  workloadMetadataOfPod,
  workloadNameOfPod,
  type MeshIdentitySettings,
  type WorkloadMetadata,
} from '../metrics/workload-metadata.js';
import type { Behaviour, ClientSpec, Latency } from '../scenario/scenario-schema.js';
import type { KubeObject, ObjectStore } from '../store/object-store.js';
import type { ResourceRegistry, ResourceType } from '../store/resource-types.js';
import { LatencyDistribution } from './latency-distribution.js';
import { grpcEnding, type GrpcEnding } from './grpc-status.js';
import { hostHeader, routeRequest, type HttpRequest } from './route-request.js';
import { resolveServiceHost, type ResolvedHost } from './service-dns.js';
import type { RandomSource } from './seeded-random.js';
import { forwardRequest, type AttemptResult } from './upstream-request.js';

/** Options of `TrafficGenerator`. */
export interface TrafficGeneratorOptions {
  /** The cluster's objects: client pods, destination pods. */
  store: ObjectStore;
  /** Resource types; defaults to the store's registry. */
  registry?: ResourceRegistry;
  /** Proxies and what they have applied. */
  mesh: MeshView;
  /** Where both reporters record requests. */
  metrics: IstioMetrics;
  /** Initial clients. */
  clients: readonly ClientSpec[];
  /** Behaviour of an image (the scenario's `images`, `default` for unlisted ones). */
  behaviourOf: (image: string) => Behaviour;
  /** Random source; `Math.random` by default. Seed it for reproducible traffic. */
  random?: RandomSource;
  /** Step interval of the timer in milliseconds; 100 by default. */
  tickMs?: number;
  /** Trust domain and cluster id; Istio's defaults when absent. */
  identity?: MeshIdentitySettings;
}

/** Counters of one client, for tests and the control API. */
export interface ClientTrafficStats {
  /** Client (Deployment) name. */
  name: string;
  /** Client namespace. */
  namespace: string;
  /** Requests the client's rate asked for while it had pods able to send. */
  intended: number;
  /** Requests its pods sent. */
  sent: number;
  /** Requests completed (a response or a failure reached the application). */
  completed: number;
  /**
   * Completed requests by status the application saw; `0` means no HTTP exchange at all:
   * the host did not resolve, or the sidecar had no listeners yet (connection refused).
   */
  byCode: Record<string, number>;
  /** Completed requests by the workload whose pod produced the final response, or `unknown`. */
  byDestination: Record<string, number>;
  /** Completed requests by Envoy response flags (`-` when none). */
  byResponseFlags: Record<string, number>;
  /** Completed gRPC calls by `grpc-status` (`-`: no response at all); empty for HTTP clients. */
  byGrpcStatus: Record<string, number>;
}

/** Totals for checking that the generator keeps up. */
export interface TrafficThroughput {
  /** Requests the clients' rates asked for. */
  intended: number;
  /** Requests sent. */
  generated: number;
}

interface ClientState {
  spec: ClientSpec;
  headers: Readonly<Record<string, string>>;
  /** True for a gRPC client. */
  grpc: boolean;
  carry: number;
  nextPod: number;
  intended: number;
  stats: ClientTrafficStats;
}

interface SenderPod {
  pod: Readonly<KubeObject>;
  proxy: ProxyView;
  metadata: WorkloadMetadata;
}

type Completion = () => void;

const APP_CONTAINER_EXCLUDED = 'istio-proxy';
/** gRPC UNKNOWN: a failed call's status when the image does not say. */
const GRPC_UNKNOWN = 2;
/** Envoy's `max_request_headers_kb` when nothing sets it. */
const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
/** A refused or unreachable connection fails fast in the simulator. */
const CONNECT_FAILURE_MS = 1;
/** Completion times are grouped in slots of this many milliseconds. */
const SLOT_MS = 10;
/** A step never does more than this much simulated time's worth of requests. */
const MAX_STEP_WORK_MS = 1000;
const LAST_KNOWN_LIMIT = 10_000;

/** Generates synthetic mesh traffic and the Istio metrics it produces. */
export class TrafficGenerator {
  readonly #store: ObjectStore;
  readonly #pods: ResourceType;
  readonly #services: ResourceType | undefined;
  readonly #endpoints: ResourceType | undefined;
  readonly #mesh: MeshView;
  readonly #metrics: IstioMetrics;
  readonly #behaviourOf: (image: string) => Behaviour;
  readonly #random: RandomSource;
  readonly #tickMs: number;
  readonly #identity: MeshIdentitySettings;
  #clients: ClientState[] = [];
  #nowMs = 0;
  #lastFlushedSlot = 0;
  readonly #pending = new Map<number, Completion[]>();
  #timer: NodeJS.Timeout | undefined;
  #lastTickAt = 0;
  readonly #metadataByPod = new WeakMap<object, WorkloadMetadata>();
  // Endpoint metadata outlives the pod in EDS; remember it for pods already deleted.
  readonly #lastKnownMetadata = new Map<string, WorkloadMetadata>();
  readonly #latencies = new WeakMap<Latency, LatencyDistribution>();
  readonly #unsubscribe: () => void;
  /** Bumped on every pod event; sender lists computed under an older epoch are stale. */
  #podEpoch = 0;
  readonly #senderCache = new Map<string, { epoch: number; senders: SenderPod[] }>();

  constructor(options: TrafficGeneratorOptions) {
    this.#store = options.store;
    const registry = options.registry ?? options.store.registry;
    const pods = registry.byPlural('', 'pods');
    if (!pods) throw new Error('the resource registry has no pods type');
    this.#pods = pods;
    this.#services = registry.byPlural('', 'services');
    this.#endpoints = registry.byPlural('', 'endpoints');
    this.#mesh = options.mesh;
    this.#metrics = options.metrics;
    this.#behaviourOf = options.behaviourOf;
    this.#random = options.random ?? Math.random;
    this.#tickMs = options.tickMs ?? 100;
    this.#identity = options.identity ?? DEFAULT_MESH_IDENTITY;
    this.setClients(options.clients);
    this.#unsubscribe = this.#store.subscribe((event) => {
      if (event.resource !== this.#pods) return;
      // Any pod change may change who sends: recompute sender lists on the next tick.
      this.#podEpoch += 1;
      // EDS keeps a deleted pod's endpoint (and its metadata) until the next push.
      if (event.type === 'DELETED') this.#remember(event.object);
    });
  }

  /** Stops and detaches from the store; the generator cannot be used afterwards. */
  close(): void {
    this.stop();
    this.#unsubscribe();
  }

  /** Starts sending on a timer; idempotent. */
  start(): void {
    if (this.#timer) return;
    this.#lastTickAt = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      const elapsed = now - this.#lastTickAt;
      this.#lastTickAt = now;
      this.step(elapsed);
    }, this.#tickMs);
    // The simulator's servers keep the process alive; traffic alone should not.
    this.#timer.unref();
  }

  /** Stops sending; requests in flight complete immediately. Idempotent. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#flush(Number.POSITIVE_INFINITY);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Replaces the clients. Counters and pacing of clients that keep their namespace and
   * name carry over; removed clients stop at once.
   */
  setClients(clients: readonly ClientSpec[]): void {
    const previous = new Map(this.#clients.map((c) => [clientKey(c.spec), c]));
    this.#clients = clients.map((spec) => {
      const kept = previous.get(clientKey(spec));
      const grpc = spec.protocol === 'grpc';
      const headers = lowerCaseHeaders(spec.headers);
      // A gRPC call is an HTTP/2 POST with this content type; header routes can match it.
      if (grpc) headers['content-type'] ??= 'application/grpc';
      if (kept) return { ...kept, spec, headers, grpc };
      return {
        spec,
        headers,
        grpc,
        carry: 0,
        nextPod: 0,
        intended: 0,
        stats: {
          name: spec.name,
          namespace: spec.namespace,
          intended: 0,
          sent: 0,
          completed: 0,
          byCode: {},
          byDestination: {},
          byResponseFlags: {},
          byGrpcStatus: {},
        },
      };
    });
  }

  /** Counters per client (copies). */
  stats(): ClientTrafficStats[] {
    return this.#clients.map((c) => ({
      ...c.stats,
      intended: Math.floor(c.intended),
      byCode: { ...c.stats.byCode },
      byDestination: { ...c.stats.byDestination },
      byResponseFlags: { ...c.stats.byResponseFlags },
      byGrpcStatus: { ...c.stats.byGrpcStatus },
    }));
  }

  /** Intended versus generated requests over all current clients. */
  throughput(): TrafficThroughput {
    let intended = 0;
    let generated = 0;
    for (const c of this.#clients) {
      intended += c.intended;
      generated += c.stats.sent;
    }
    return { intended: Math.floor(intended), generated };
  }

  /**
   * Advances simulated time by `elapsedMs`: sends what the clients owe for that time and
   * records requests that complete by then. The timer calls this; tests may call it
   * directly for deterministic traffic. At most one second's worth of requests is sent
   * per step; time beyond that counts as intended but not generated (falling behind).
   */
  step(elapsedMs: number): void {
    if (!(elapsedMs > 0)) return;
    const start = this.#nowMs;
    const workMs = Math.min(elapsedMs, MAX_STEP_WORK_MS);
    for (const client of this.#clients) this.#sendFor(client, start, elapsedMs, workMs);
    this.#nowMs = start + elapsedMs;
    this.#flush(this.#nowMs);
  }

  #sendFor(client: ClientState, start: number, elapsedMs: number, workMs: number): void {
    // A client at 0 rps sends nothing; do not even look for its pods.
    if (client.spec.rps <= 0) {
      client.carry = 0;
      return;
    }
    const senders = this.#senderPods(client.spec);
    if (senders.length === 0) {
      client.carry = 0;
      return;
    }
    const rps = client.spec.rps;
    client.intended += (rps * elapsedMs) / 1000;
    client.stats.intended = Math.floor(client.intended);
    const owed = client.carry + (rps * workMs) / 1000;
    const count = Math.floor(owed);
    client.carry = owed - count;
    if (count === 0) return;
    const spacing = workMs / count;
    const request: HttpRequest = {
      host: client.spec.target.host,
      port: client.spec.target.port,
      path: client.spec.target.path,
      headers: client.headers,
    };
    // The application resolves the host before its sidecar sees anything.
    const resolved = this.#resolve(request.host, client.spec.namespace);
    for (let i = 0; i < count; i++) {
      const sender = senders[client.nextPod++ % senders.length] as SenderPod;
      const arrival = start + (i + 0.5) * spacing;
      if (resolved) this.#send(client, sender, request, resolved, arrival);
      else this.#failBeforeProxy(client, arrival);
    }
    client.nextPod %= senders.length;
  }

  #resolve(host: string, clientNamespace: string): ResolvedHost | undefined {
    const services = this.#services;
    // Without Services in the registry there is no DNS to fail.
    if (!services) return { kind: 'address' };
    return resolveServiceHost(host, clientNamespace, (namespace, name) =>
      this.#store.peek(services, namespace, name),
    );
  }

  /** No HTTP exchange at all (name not resolved, or connection refused): status 0. */
  #failBeforeProxy(client: ClientState, arrival: number): void {
    client.stats.sent += 1;
    this.#schedule(arrival + CONNECT_FAILURE_MS, () =>
      complete(client, { responseCode: 0, grpcStatus: undefined }, '-', 'unknown'),
    );
  }

  /**
   * Running, ready pods of the client's Deployment that have a sidecar. Scanning every pod
   * each tick would cost more than the traffic itself with thousands of pods, so the list is
   * kept until a pod changes; while some pod still waits for its proxy it is recomputed.
   */
  #senderPods(spec: ClientSpec): SenderPod[] {
    const key = `${spec.namespace}/${spec.name}`;
    const cached = this.#senderCache.get(key);
    if (cached && cached.epoch === this.#podEpoch)
      return this.#withCurrentProxies(spec, cached.senders);
    const out: SenderPod[] = [];
    let complete = true;
    const pods = this.#store.peekAll(
      this.#pods,
      spec.namespace,
      (pod) => isRunningAndReady(pod) && workloadNameOfPod(pod) === spec.name,
    );
    for (const pod of pods) {
      const proxy = this.#mesh.proxyOfPod(spec.namespace, pod.metadata.name);
      if (proxy) out.push({ pod, proxy, metadata: this.#metadataOf(pod) });
      else complete = false;
    }
    if (complete) this.#senderCache.set(key, { epoch: this.#podEpoch, senders: out });
    else this.#senderCache.delete(key);
    return out;
  }

  /**
   * The cached senders with their proxies looked up again: a mesh may hand out a new view of
   * a proxy at any time, and the lookup is a map read. A proxy gone without a pod event yet
   * invalidates the cache.
   */
  #withCurrentProxies(spec: ClientSpec, senders: SenderPod[]): SenderPod[] {
    const out: SenderPod[] = [];
    for (const sender of senders) {
      const proxy = this.#mesh.proxyOfPod(spec.namespace, sender.pod.metadata.name);
      if (!proxy) {
        this.#senderCache.delete(`${spec.namespace}/${spec.name}`);
        continue;
      }
      out.push(proxy === sender.proxy ? sender : { ...sender, proxy });
    }
    return out;
  }

  #send(
    client: ClientState,
    sender: SenderPod,
    request: HttpRequest,
    resolved: ResolvedHost,
    arrival: number,
  ): void {
    const snapshot = sender.proxy.applied;
    if (!snapshot) {
      // Before its first config the sidecar has no listeners: iptables still redirects the
      // app's connection to port 15001, where nothing listens. No proxy records anything.
      this.#failBeforeProxy(client, arrival);
      return;
    }
    client.stats.sent += 1;
    const random = this.#random;
    // Envoy's codec refuses headers over the connection manager's limit before routing:
    // 431 with response flag DPE (downstream protocol error).
    const headerLimit = (sender.proxy.maxRequestHeadersKb ?? DEFAULT_MAX_REQUEST_HEADERS_KB) * 1024;
    const decision =
      requestHeaderBytes(request) > headerLimit
        ? ({
            kind: 'local-reply',
            status: 431,
            responseFlags: 'DPE',
            reason: 'headers-too-large',
            routeName: undefined,
            clusterName: undefined,
          } as const)
        : routeRequest(snapshot, request, random, {
            routeConfigName:
              sender.proxy.proxyType === 'router' ? `http.${request.port}` : String(request.port),
          });
    const source = sender.metadata;
    const protocol = client.grpc ? 'grpc' : 'http';
    const endingOf = (status: number, serverGrpcStatus: number | undefined): Ending =>
      client.grpc
        ? grpcEnding(status, serverGrpcStatus)
        : { responseCode: status, grpcStatus: undefined };

    if (decision.kind === 'local-reply') {
      const ending = endingOf(decision.status, undefined);
      const labels = sourceReporterLabels({
        source,
        service: { kind: 'authority', authority: hostHeader(request) },
        peer: undefined,
        mutualTls: false,
        responseCode: ending.responseCode,
        responseFlags: decision.responseFlags,
        requestProtocol: protocol,
        grpcStatus: ending.grpcStatus,
      });
      this.#schedule(arrival, () => {
        this.#metrics.recordRequest(labels, 0);
        complete(client, ending, decision.responseFlags, 'unknown');
      });
      return;
    }

    if (decision.kind === 'passthrough') {
      this.#passthrough(client, source, request, resolved, arrival, endingOf);
      return;
    }

    const cluster = decision.cluster;
    const served = new Map<ClusterEndpoint, Served>();
    const outcome = forwardRequest(
      decision,
      (endpoint) => {
        const result = this.#serve(endpoint, client.grpc);
        if (result.served) served.set(endpoint, result.served);
        return result.attempt;
      },
      random,
    );

    // The server side: every attempt that reached a pod is recorded by that pod's sidecar.
    for (const attempt of outcome.attempts) {
      const target = served.get(attempt.endpoint);
      if (!target?.proxy || attempt.result.kind !== 'response') continue;
      const abandoned = attempt.abandoned;
      const duration = abandoned ? outcome.durationMs - attempt.startMs : attempt.result.durationMs;
      const labels = destinationReporterLabels({
        destination: target.metadata,
        source,
        serviceHost: cluster.host,
        mutualTls: true,
        // The client proxy reset the stream before the app answered.
        responseCode: abandoned ? 0 : attempt.result.status,
        responseFlags: abandoned ? 'DC' : '-',
        requestProtocol: protocol,
        grpcStatus: abandoned ? undefined : attempt.result.grpcStatus,
      });
      this.#schedule(arrival + attempt.startMs + duration, () =>
        this.#metrics.recordRequest(labels, duration),
      );
    }

    const last = outcome.upstreamEndpoint;
    const lastServed = last ? served.get(last) : undefined;
    // Peer metadata arrives with the response headers (metadata exchange); without a
    // response, Istio falls back to the EDS metadata of the host it tried.
    let peer: UpstreamPeer | undefined;
    if (lastServed?.proxy && outcome.fromUpstream) {
      peer = { kind: 'peer', metadata: lastServed.metadata };
    } else if (last) {
      const metadata = this.#endpointMetadata(last);
      if (metadata) peer = { kind: 'endpoint', metadata };
    }
    // Principals come from the mTLS connection, which exists once the last attempt connected.
    const mutualTls = lastServed?.proxy !== undefined;
    const service: ServiceIdentity = { kind: 'cluster', host: cluster.host };
    const ending = endingOf(outcome.status, outcome.fromUpstream ? outcome.grpcStatus : undefined);
    const labels = sourceReporterLabels({
      source,
      service,
      peer,
      mutualTls,
      responseCode: ending.responseCode,
      responseFlags: outcome.responseFlags,
      requestProtocol: protocol,
      grpcStatus: ending.grpcStatus,
    });
    const destinationWorkload =
      outcome.fromUpstream && lastServed ? lastServed.metadata.workload : 'unknown';
    this.#schedule(arrival + outcome.durationMs, () => {
      this.#metrics.recordRequest(labels, outcome.durationMs);
      complete(client, ending, outcome.responseFlags, destinationWorkload);
    });

    for (const mirror of decision.mirrors) this.#shadow(mirror, source, arrival, client.grpc);
  }

  /**
   * `PassthroughCluster`: the connection goes to the address the application dialled, the
   * Service's ClusterIP, where kube-proxy picks a ready endpoint at random. No retry policy
   * (Istio's `allow_any` route has none), no mTLS (Envoy does not originate TLS to an
   * original destination), but the HTTP metadata exchange still identifies both peers.
   */
  #passthrough(
    client: ClientState,
    source: WorkloadMetadata,
    request: HttpRequest,
    resolved: ResolvedHost,
    arrival: number,
    endingOf: (status: number, serverGrpcStatus: number | undefined) => Ending,
  ): void {
    const service: ServiceIdentity = { kind: 'passthrough', authority: hostHeader(request) };
    const protocol = client.grpc ? 'grpc' : 'http';
    const target = resolved.kind === 'service' ? resolved : undefined;
    const endpoint = target ? this.#kubeProxyEndpoint(target.namespace, target.name) : undefined;
    // No ready endpoint: kube-proxy rejects the connection.
    const { attempt, served } = endpoint ? this.#serve(endpoint, client.grpc) : REFUSED;
    if (attempt.kind === 'connect-failure' || !served) {
      const ending = endingOf(503, undefined);
      const labels = sourceReporterLabels({
        source,
        service,
        peer: undefined,
        mutualTls: false,
        responseCode: ending.responseCode,
        responseFlags: 'UF',
        requestProtocol: protocol,
        grpcStatus: ending.grpcStatus,
      });
      this.#schedule(arrival + attempt.durationMs, () => {
        this.#metrics.recordRequest(labels, attempt.durationMs);
        complete(client, ending, 'UF', 'unknown');
      });
      return;
    }
    if (served.proxy && target) {
      const labels = destinationReporterLabels({
        destination: served.metadata,
        source,
        serviceHost: target.fqdn,
        mutualTls: false,
        responseCode: attempt.status,
        responseFlags: '-',
        requestProtocol: protocol,
        grpcStatus: attempt.grpcStatus,
      });
      this.#schedule(arrival + attempt.durationMs, () =>
        this.#metrics.recordRequest(labels, attempt.durationMs),
      );
    }
    const ending = endingOf(attempt.status, attempt.grpcStatus);
    const labels = sourceReporterLabels({
      source,
      service,
      peer: served.proxy ? { kind: 'peer', metadata: served.metadata } : undefined,
      mutualTls: false,
      responseCode: ending.responseCode,
      responseFlags: '-',
      requestProtocol: protocol,
      grpcStatus: ending.grpcStatus,
    });
    this.#schedule(arrival + attempt.durationMs, () => {
      this.#metrics.recordRequest(labels, attempt.durationMs);
      complete(client, ending, '-', served.metadata.workload);
    });
  }

  /** A random ready address of a Service's Endpoints, as kube-proxy would pick it. */
  #kubeProxyEndpoint(namespace: string, name: string): ClusterEndpoint | undefined {
    if (!this.#endpoints) return undefined;
    const object = this.#store.peek(this.#endpoints, namespace, name);
    const subsets = (object as EndpointsShape | undefined)?.subsets ?? [];
    const ready: ClusterEndpoint[] = [];
    for (const subset of subsets) {
      for (const address of subset.addresses ?? []) {
        if (address.targetRef?.kind !== 'Pod' || !address.targetRef.name) continue;
        ready.push({
          namespace: address.targetRef.namespace ?? namespace,
          pod: address.targetRef.name,
          ip: address.ip,
        });
      }
    }
    if (ready.length === 0) return undefined;
    return ready[Math.floor(this.#random() * ready.length)];
  }

  /**
   * A shadow request: fire and forget, without retries. Only the receiving sidecar records
   * it; the client's sidecar sends it from the router, outside its stats filter.
   */
  #shadow(cluster: ClusterConfig, source: WorkloadMetadata, arrival: number, grpc: boolean): void {
    const endpoints = cluster.endpoints;
    if (endpoints.length === 0) return;
    const endpoint = endpoints[Math.floor(this.#random() * endpoints.length)] as ClusterEndpoint;
    const { attempt, served } = this.#serve(endpoint, grpc);
    if (attempt.kind !== 'response' || !served?.proxy) return;
    const labels = destinationReporterLabels({
      destination: served.metadata,
      source,
      serviceHost: cluster.host,
      mutualTls: true,
      responseCode: attempt.status,
      responseFlags: '-',
      requestProtocol: grpc ? 'grpc' : 'http',
      grpcStatus: attempt.grpcStatus,
    });
    this.#schedule(arrival + attempt.durationMs, () =>
      this.#metrics.recordRequest(labels, attempt.durationMs),
    );
  }

  /**
   * One attempt on an endpoint, judged by the pod as it is now. A plain HTTP request fails
   * with the image's `errorRate`; a gRPC call is answered HTTP 200 with a `grpc-status` that
   * is non-OK with the image's `grpcErrorRate`.
   */
  #serve(endpoint: ClusterEndpoint, grpc: boolean): ServeResult {
    const pod = this.#store.peek(this.#pods, endpoint.namespace, endpoint.pod);
    // EDS may be stale: the pod may be gone, replaced (new IP) or no longer ready.
    if (!pod || podIp(pod) !== endpoint.ip || !isRunningAndReady(pod)) return REFUSED;
    const proxy = this.#mesh.proxyOfPod(endpoint.namespace, endpoint.pod);
    // The server sidecar has no inbound listener yet: the redirected connection is refused.
    if (proxy && !proxy.applied) return REFUSED;
    const behaviour = this.#behaviourOf(appImage(pod));
    const random = this.#random;
    let status = 200;
    let grpcStatus: number | undefined;
    if (grpc) {
      grpcStatus =
        random() < (behaviour.grpcErrorRate ?? 0) ? (behaviour.grpcErrorStatus ?? GRPC_UNKNOWN) : 0;
    } else if (random() < behaviour.errorRate) {
      status = behaviour.errorStatus;
    }
    const durationMs = this.#latencyOf(behaviour.latency).sample(random);
    return {
      attempt: { kind: 'response', status, grpcStatus, durationMs },
      served: { proxy, metadata: this.#metadataOf(pod) },
    };
  }

  #metadataOf(pod: Readonly<KubeObject>): WorkloadMetadata {
    let metadata = this.#metadataByPod.get(pod);
    if (!metadata) {
      metadata = workloadMetadataOfPod(pod, this.#identity);
      this.#metadataByPod.set(pod, metadata);
    }
    return metadata;
  }

  #remember(pod: Readonly<KubeObject>): void {
    if (this.#lastKnownMetadata.size >= LAST_KNOWN_LIMIT) this.#lastKnownMetadata.clear();
    const metadata = this.#metadataOf(pod);
    this.#lastKnownMetadata.set(`${metadata.namespace}/${pod.metadata.name}`, metadata);
  }

  /** EDS endpoint metadata of a host tried: from the pod, or as it was when deleted. */
  #endpointMetadata(endpoint: ClusterEndpoint): WorkloadMetadata | undefined {
    const pod = this.#store.peek(this.#pods, endpoint.namespace, endpoint.pod);
    if (pod) return this.#metadataOf(pod);
    return this.#lastKnownMetadata.get(`${endpoint.namespace}/${endpoint.pod}`);
  }

  #latencyOf(latency: Latency): LatencyDistribution {
    let distribution = this.#latencies.get(latency);
    if (!distribution) {
      distribution = new LatencyDistribution(latency);
      this.#latencies.set(latency, distribution);
    }
    return distribution;
  }

  #schedule(at: number, completion: Completion): void {
    const slot = Math.ceil(at / SLOT_MS);
    if (slot <= this.#lastFlushedSlot) {
      completion();
      return;
    }
    let list = this.#pending.get(slot);
    if (!list) {
      list = [];
      this.#pending.set(slot, list);
    }
    list.push(completion);
  }

  #flush(untilMs: number): void {
    const lastSlot =
      untilMs === Number.POSITIVE_INFINITY ? Infinity : Math.floor(untilMs / SLOT_MS);
    if (this.#pending.size > 0) {
      const due = [...this.#pending.keys()]
        .filter((slot) => slot <= lastSlot)
        .sort((a, b) => a - b);
      for (const slot of due) {
        const list = this.#pending.get(slot) as Completion[];
        this.#pending.delete(slot);
        for (const completion of list) completion();
      }
    }
    if (lastSlot !== Infinity) this.#lastFlushedSlot = lastSlot;
  }
}

interface Served {
  proxy: ProxyView | undefined;
  metadata: WorkloadMetadata;
}

interface ServeResult {
  attempt: AttemptResult;
  /** The pod that answered; undefined when the connection failed. */
  served?: Served;
}

const REFUSED: ServeResult = Object.freeze({
  attempt: Object.freeze({ kind: 'connect-failure', durationMs: CONNECT_FAILURE_MS }),
});

/** How a request ended for the application; `grpcStatus` is undefined for plain HTTP. */
type Ending = GrpcEnding;

function complete(client: ClientState, ending: Ending, flags: string, destination: string): void {
  const stats = client.stats;
  stats.completed += 1;
  const code = String(ending.responseCode);
  stats.byCode[code] = (stats.byCode[code] ?? 0) + 1;
  if (client.grpc) {
    const grpc = ending.grpcStatus === undefined ? '-' : String(ending.grpcStatus);
    stats.byGrpcStatus[grpc] = (stats.byGrpcStatus[grpc] ?? 0) + 1;
  }
  stats.byDestination[destination] = (stats.byDestination[destination] ?? 0) + 1;
  stats.byResponseFlags[flags] = (stats.byResponseFlags[flags] ?? 0) + 1;
}

/** The bytes of a request's header fields as Envoy counts them: names and values, host included. */
function requestHeaderBytes(request: HttpRequest): number {
  let bytes = 'host'.length + Buffer.byteLength(hostHeader(request));
  for (const [name, value] of Object.entries(request.headers))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

function clientKey(spec: Pick<ClientSpec, 'namespace' | 'name'>): string {
  return `${spec.namespace}/${spec.name}`;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

interface EndpointsShape {
  subsets?: {
    addresses?: { ip: string; targetRef?: { kind?: string; namespace?: string; name?: string } }[];
  }[];
}

interface PodStatusShape {
  phase?: string;
  podIP?: string;
  conditions?: { type?: string; status?: string }[];
}

function podStatus(pod: Readonly<KubeObject>): PodStatusShape {
  const status = pod.status as PodStatusShape | undefined;
  return status ?? {};
}

function podIp(pod: Readonly<KubeObject>): string | undefined {
  return podStatus(pod).podIP;
}

function isRunningAndReady(pod: Readonly<KubeObject>): boolean {
  const status = podStatus(pod);
  return (
    status.phase === 'Running' &&
    (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The image of the application container: the first container that is not the sidecar. */
interface PodSpecShape {
  containers?: { name?: string; image?: string }[];
}

function appImage(pod: Readonly<KubeObject>): string {
  const containers = (pod.spec as PodSpecShape | undefined)?.containers ?? [];
  const app = containers.find((c) => c.name !== APP_CONTAINER_EXCLUDED) ?? containers[0];
  return app?.image ?? '';
}
