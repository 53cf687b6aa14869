/**
 * One simulated Envoy proxy and its xDS connection state: what istiod sent (nonces per
 * type, as syncz shows them), the pushes received but not yet applied (applied in order,
 * each after its own delay), and the snapshot it runs on, which the traffic generator
 * routes through.
 *
 * Envoy subscribes in steps as it initializes (GrpcMuxImpl, CdsApiImpl, LdsApiImpl,
 * ClusterManagerImpl): CDS first; EDS once CDS names EDS clusters; LDS once the cluster
 * manager initialized (EDS answered); RDS once listeners name route configurations. istiod
 * pushes only subscribed types, so a proxy that never answers its first push shows only
 * `cluster_sent` in syncz. A new stream re-sends every subscription at once. Envoy serves
 * traffic (and config_dump shows its config) once initialized: listeners answered and, when
 * they name routes, RDS answered too; a rejected response initializes just the same.
 *
 * A push's route configuration can be rejected (NACKed) when applied, as istiod records it
 * (`ShouldRespond` in istio pkg/xds/server.go): the acked nonce stays on the previous push,
 * `lastError` takes Envoy's message, and only a later ack clears it. Envoy keeps serving the
 * routes it had; the push's other types are acked and applied.
 */
import type { ProxyApplySettings } from './apply-delay.js';
import type { ProxyConfigSnapshot, ProxyType, ProxyView } from './mesh-types.js';
import type { XdsType } from './xds-type.js';

/** Sync state of one xDS type on the current connection. */
export interface XdsStatus {
  /** Nonce of the last response sent; `''` when never sent. */
  sent: string;
  /** Nonce the proxy last acked; `''` when never acked. */
  acked: string;
  /** When the last response was sent. */
  sentAt: Date | undefined;
  /** Whether the proxy subscribed to the type (RDS only once listeners name routes). */
  watched: boolean;
  /** Envoy's message for the last push it rejected; `''` since the last ack. */
  lastError: string;
}

/** A push received and not yet applied. */
export interface PendingPush {
  /** The config it carries. */
  readonly snapshot: ProxyConfigSnapshot;
  /** Nonce per xDS type the push carried. */
  readonly nonces: Readonly<Partial<Record<XdsType, string>>>;
  /** When the proxy applies it (epoch ms); undefined while the proxy is stuck. */
  applyAt: number | undefined;
  /** Ports of the sidecar's inbound clusters, when the push carries CDS. */
  readonly inbound?: readonly number[] | undefined;
}

/** Identity of a proxy's pod. */
export interface ProxyIdentity {
  /** Pod name. */
  pod: string;
  /** Pod namespace. */
  namespace: string;
  /** Workload (Deployment) name. */
  workload: string;
  /** Sidecar or gateway. */
  proxyType: ProxyType;
  /** Pod labels. */
  labels: Readonly<Record<string, string>>;
  /** Pod IP. */
  podIP: string;
  /** Named ports of the pod's app containers (named Service target ports resolve here). */
  containerPorts?: Readonly<Record<string, number>> | undefined;
}

function emptyStatus(): XdsStatus {
  return { sent: '', acked: '', sentAt: undefined, watched: false, lastError: '' };
}

/** A simulated proxy. */
export class SimulatedProxy implements ProxyView {
  /** `<pod>.<namespace>`. */
  readonly id: string;
  /** Pod name. */
  readonly pod: string;
  /** Pod namespace. */
  readonly namespace: string;
  /** Workload (Deployment) name. */
  readonly workload: string;
  /** Sidecar or gateway. */
  readonly proxyType: ProxyType;
  /** When Envoy started (the proxy appeared). */
  readonly startedAt = new Date();
  /** Pod labels (replaced when the pod's labels change). */
  labels: Readonly<Record<string, string>>;
  /** Pod IP. */
  podIP: string;
  /** Named ports of the pod's app containers. */
  containerPorts: Readonly<Record<string, number>>;
  /** Ports of the inbound clusters applied (`inbound|<port>||`); sidecars only. */
  inboundPorts: readonly number[] = [];
  /** istiod pod of the current connection; `''` while disconnected. */
  istiod = '';
  /** Applied config, undefined before the first apply. */
  applied: ProxyConfigSnapshot | undefined;
  /** When `applied` was applied. */
  appliedAt: Date | undefined;
  /** When each type was last applied (config_dump `last_updated`). */
  readonly appliedAtByType: Partial<Record<XdsType, Date>> = {};
  /** Version of each type last applied (config_dump `version_info`). */
  readonly appliedVersionByType: Partial<Record<XdsType, string>> = {};
  /** Per-type sync state of the current connection. */
  xds: Record<XdsType, XdsStatus> = {
    cds: emptyStatus(),
    lds: emptyStatus(),
    rds: emptyStatus(),
    eds: emptyStatus(),
  };
  /** Pushes received and not applied yet, oldest first. */
  pending: PendingPush[] = [];
  /** Bumped on every change of `xds`, so syncz can cache the proxy's entry. */
  revision = 0;
  /** Stuck / delay settings from the overrides. */
  settings: ProxyApplySettings = { stuck: false, applyDelay: undefined, reject: undefined };
  /** Types Envoy subscribed to, kept across streams (a new stream re-sends them all). */
  readonly subscriptions = new Set<XdsType>(['cds']);
  /** Types Envoy answered (applied or rejected) at least once. */
  readonly #answered = new Set<XdsType>();

  /** `max_request_headers_kb` its overrides set; undefined: Envoy's default. */
  get maxRequestHeadersKb(): number | undefined {
    return this.settings.maxRequestHeadersKb;
  }

  constructor(identity: ProxyIdentity) {
    this.pod = identity.pod;
    this.namespace = identity.namespace;
    this.id = `${identity.pod}.${identity.namespace}`;
    this.workload = identity.workload;
    this.proxyType = identity.proxyType;
    this.labels = identity.labels;
    this.podIP = identity.podIP;
    this.containerPorts = identity.containerPorts ?? {};
  }

  /**
   * A new xDS stream to `istiod` (`''` to disconnect): sync state starts empty and
   * in-flight pushes of the old stream are dropped. The applied config stays, as Envoy
   * keeps serving with what it has.
   */
  resetConnection(istiod: string): void {
    this.istiod = istiod;
    this.revision += 1;
    this.xds = { cds: emptyStatus(), lds: emptyStatus(), rds: emptyStatus(), eds: emptyStatus() };
    this.pending = [];
  }

  /** Records a push istiod sent now (`inbound`: its inbound cluster ports, with CDS). */
  receive(
    snapshot: ProxyConfigSnapshot,
    nonces: Partial<Record<XdsType, string>>,
    now: Date,
    inbound?: readonly number[],
  ): PendingPush {
    for (const [type, nonce] of Object.entries(nonces) as [XdsType, string][]) {
      const status = this.xds[type];
      status.sent = nonce;
      status.sentAt = now;
      status.watched = true;
    }
    this.revision += 1;
    const push: PendingPush = { snapshot, nonces, applyAt: undefined, inbound };
    this.pending.push(push);
    return push;
  }

  /** The latest scheduled apply time among pending pushes (pushes apply in order). */
  lastScheduledApply(): number {
    let latest = 0;
    for (const push of this.pending)
      if (push.applyAt !== undefined && push.applyAt > latest) latest = push.applyAt;
    return latest;
  }

  /**
   * Folds every pending push into one carrying the newest snapshot and the newest nonce
   * per type: what a proxy that was stuck ends up applying.
   */
  collapsePending(): PendingPush | undefined {
    if (this.pending.length === 0) return undefined;
    const nonces: Partial<Record<XdsType, string>> = {};
    for (const push of this.pending) Object.assign(nonces, push.nonces);
    const last = this.pending[this.pending.length - 1] as PendingPush;
    const inbound = this.pending.findLast((p) => p.inbound !== undefined)?.inbound;
    const merged: PendingPush = { snapshot: last.snapshot, nonces, applyAt: undefined, inbound };
    this.pending = [merged];
    return merged;
  }

  /**
   * Applies the oldest pending push: the snapshot takes effect and its nonces are acked.
   * With `routeRejection`, Envoy rejects the push's route configuration with that message:
   * the routes it had stay, the RDS nonce is not acked and istiod records the error; the
   * other types are applied and acked. Returns the types Envoy subscribes to now.
   */
  applyHead(now: Date, routeRejection?: string): XdsType[] {
    const push = this.pending.shift();
    if (!push) return [];
    const hasRoutes = push.nonces.rds !== undefined;
    const rejectRoutes = routeRejection !== undefined && hasRoutes;
    for (const type of Object.keys(push.nonces) as XdsType[]) this.#answered.add(type);
    if (push.inbound !== undefined) this.inboundPorts = push.inbound;
    const subscribed = this.#subscribeAfter(push);
    if (this.applied !== undefined || this.#initialized()) {
      // Routes change only through an accepted RDS response; a push without one (EDS only)
      // keeps what RDS gave, even when istiod's current routes are ones Envoy refused.
      const routes =
        hasRoutes && !rejectRoutes
          ? push.snapshot.routes
          : (this.applied?.routes ?? (hasRoutes ? [] : push.snapshot.routes));
      this.applied =
        routes === push.snapshot.routes
          ? push.snapshot
          : Object.freeze({ ...push.snapshot, routes });
      this.appliedAt = now;
    }
    this.revision += 1;
    for (const [type, nonce] of Object.entries(push.nonces) as [XdsType, string][]) {
      const status = this.xds[type];
      if (type === 'rds' && rejectRoutes) {
        status.lastError = routeRejection;
        continue;
      }
      status.acked = nonce;
      status.lastError = '';
      this.appliedAtByType[type] = now;
      this.appliedVersionByType[type] = push.snapshot.version;
    }
    return subscribed;
  }

  /** Listeners answered, and their routes too when they name any. */
  #initialized(): boolean {
    return (
      this.#answered.has('lds') && (!this.subscriptions.has('rds') || this.#answered.has('rds'))
    );
  }

  /** Envoy's next subscriptions after answering `push` (see the module comment). */
  #subscribeAfter(push: PendingPush): XdsType[] {
    const added: XdsType[] = [];
    const subscribe = (type: XdsType): void => {
      if (this.subscriptions.has(type)) return;
      this.subscriptions.add(type);
      added.push(type);
    };
    if (push.nonces.cds !== undefined) {
      // Without EDS clusters the cluster manager initializes with CDS alone.
      if (push.snapshot.clusters.size > 0) subscribe('eds');
      else subscribe('lds');
    }
    if (push.nonces.eds !== undefined) subscribe('lds');
    if (push.nonces.lds !== undefined && push.snapshot.routes.length > 0) subscribe('rds');
    return added;
  }
}
