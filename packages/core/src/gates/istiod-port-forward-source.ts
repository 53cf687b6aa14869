/**
 * syncz from every istiod replica through a port-forward per pod, the way `istioctl
 * proxy-status` and Kiali read it: the API server's pod proxy strips `Authorization` and is
 * not loopback, so istiod would answer 401 (docs/reference/istio.md §1).
 *
 * Each replica knows only the proxies connected to it, so every Running `app=istiod` pod
 * (plus `istio.io/rev=<rev>`) is asked on every poll. Pods are listed on every poll too, so
 * a replica that was replaced is noticed at once. Forwards are kept open across polls (HTTP
 * keep-alive reuses the WebSocket); a forward whose request failed is closed and reopened
 * on the next poll, and forwards of pods that are gone are closed.
 */
import type { PodLister } from '../kube/resource-apis.js';
import type { Pod } from '../kube/kube-types.js';
import type { ForwardedPort, PortForwarder } from '../kube/port-forward.js';
import { throwIfAborted } from './abort-error.js';
import type { SynczPoll, SynczReplicaAnswer, SynczSource } from './syncz-source.js';
import { parseSyncz } from './syncz-status.js';

/** istiod's monitoring port, which serves `/debug/syncz`. */
export const ISTIOD_MONITORING_PORT = 15014;

/** Options of {@link IstiodPortForwardSource}. */
export interface IstiodPortForwardSourceOptions {
  /** Lists istiod pods. */
  pods: PodLister;
  /** Opens the forwards. */
  portForwarder: PortForwarder;
  /** Namespace of istiod (`istio-system`). */
  namespace: string;
  /** `istio.io/rev` to select; undefined: every istiod. */
  revision?: string | undefined;
  /** Time allowed for one syncz request, in milliseconds (default 10 000). */
  requestTimeoutMs?: number | undefined;
}

interface OpenForward {
  /** Pod uid, so a pod recreated under the same name gets a new forward. */
  uid: string;
  forward: Promise<ForwardedPort>;
}

/** {@link SynczSource} over port-forwards to every istiod pod. */
export class IstiodPortForwardSource implements SynczSource {
  readonly namespace: string;
  readonly selector: string;
  readonly #pods: PodLister;
  readonly #portForwarder: PortForwarder;
  readonly #timeoutMs: number;
  readonly #forwards = new Map<string, OpenForward>();
  #closed = false;

  constructor(options: IstiodPortForwardSourceOptions) {
    this.namespace = options.namespace;
    this.selector = `app=istiod${options.revision ? `,istio.io/rev=${options.revision}` : ''}`;
    this.#pods = options.pods;
    this.#portForwarder = options.portForwarder;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  /** Number of forwards currently open (for tests and diagnostics). */
  get openForwards(): number {
    return this.#forwards.size;
  }

  async poll(signal?: AbortSignal): Promise<SynczPoll> {
    if (this.#closed) return { answers: [], problem: 'the sync gate is closed' };
    let pods: Pod[];
    try {
      pods = await this.#pods.list(this.namespace, { labelSelector: this.selector, signal });
    } catch (error) {
      throwIfAborted(signal, 'syncz poll');
      return {
        answers: [],
        problem: `cannot list istiod pods (${this.selector}) in ${this.namespace}: ${messageOf(error)}`,
      };
    }
    const running = pods
      .filter((pod) => pod.status?.phase === 'Running')
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    await this.#closeGone(running);
    if (running.length === 0) {
      return {
        answers: [],
        problem: `no Running istiod pod matches ${this.selector} in ${this.namespace}`,
      };
    }
    const answers = await Promise.all(running.map((pod) => this.#ask(pod, signal)));
    throwIfAborted(signal, 'syncz poll');
    return { answers };
  }

  async #ask(pod: Pod, signal: AbortSignal | undefined): Promise<SynczReplicaAnswer> {
    const name = pod.metadata.name;
    try {
      const forward = await this.#forwardTo(pod);
      const response = await forward.fetch('/debug/syncz', {
        timeoutMs: this.#timeoutMs,
        signal,
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) {
        return {
          istiod: name,
          statuses: undefined,
          error: `GET /debug/syncz answered ${response.status}${statusHint(response.status)}`,
        };
      }
      const body = JSON.parse(response.body.toString('utf8')) as unknown;
      return { istiod: name, statuses: parseSyncz(body, name) };
    } catch (error) {
      // A broken forward is reopened on the next poll rather than retried blindly.
      await this.#drop(name);
      return { istiod: name, statuses: undefined, error: messageOf(error) };
    }
  }

  #forwardTo(pod: Pod): Promise<ForwardedPort> {
    const name = pod.metadata.name;
    const uid = typeof pod.metadata.uid === 'string' ? pod.metadata.uid : '';
    const open = this.#forwards.get(name);
    if (open && open.uid === uid) return open.forward;
    if (open) void closeQuietly(open.forward);
    const forward = this.#portForwarder.open(
      { namespace: this.namespace, pod: name, port: ISTIOD_MONITORING_PORT },
      // The first request shows whether the forward works; a probe would only add a round trip.
      { verify: false },
    );
    this.#forwards.set(name, { uid, forward });
    // A failed open is reported by the request that awaits it; keep it from going unhandled.
    forward.catch(() => undefined);
    return forward;
  }

  async #drop(name: string): Promise<void> {
    const open = this.#forwards.get(name);
    if (!open) return;
    this.#forwards.delete(name);
    await closeQuietly(open.forward);
  }

  async #closeGone(running: readonly Pod[]): Promise<void> {
    const names = new Set(running.map((pod) => pod.metadata.name));
    await Promise.all(
      [...this.#forwards.keys()].filter((name) => !names.has(name)).map((name) => this.#drop(name)),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#forwards.keys()].map((name) => this.#drop(name)));
  }
}

async function closeQuietly(forward: Promise<ForwardedPort>): Promise<void> {
  try {
    await (await forward).close();
  } catch {
    // Never opened, or already broken: nothing left to close.
  }
}

function statusHint(status: number): string {
  if (status === 401 || status === 403)
    return ' (istiod allows /debug only from loopback or with an authorized token; the port-forward should arrive on loopback)';
  if (status === 404) return ' (is this an istiod pod? /debug/syncz not found)';
  return '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
