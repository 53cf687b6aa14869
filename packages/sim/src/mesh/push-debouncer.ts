/**
 * istiod's push debounce (`pilot/pkg/xds/discovery.go` `debounce`): config events are
 * merged until none arrived for `debounceMs` (PILOT_DEBOUNCE_AFTER) or the first one is
 * `maxMs` old (PILOT_DEBOUNCE_MAX, 10 s), then one push request goes out. Endpoint events
 * are debounced the same way (PILOT_ENABLE_EDS_DEBOUNCE) and merge into a full push.
 */
import type { KubeObject } from '../store/object-store.js';

/** Config kinds that trigger pushes; Endpoints changes count as `Service` like Istio's ServiceEntry key. */
export type ConfigKind = 'VirtualService' | 'DestinationRule' | 'Gateway' | 'Service';

/** One changed config: its key and the object before and/or after the change. */
export interface ConfigChange {
  /** Kind. */
  kind: ConfigKind;
  /** Namespace of the object. */
  namespace: string;
  /** Name of the object. */
  name: string;
  /** The object before and after (whichever exist), to scope the push by both. */
  versions: readonly Readonly<KubeObject>[];
}

/** A (merged) push request. */
export interface PushRequest {
  /** Full push (new push context, CDS/LDS/RDS as needed) or endpoints only. */
  full: boolean;
  /** What changed. */
  changes: ConfigChange[];
}

/** Merges two requests as istiod's `PushRequest.Merge`: full if either is. */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  return { full: a.full || b.full, changes: [...a.changes, ...b.changes] };
}

/** Debounces push requests. */
export class PushDebouncer {
  readonly #onPush: (request: PushRequest) => void;
  readonly #maxMs: number;
  #debounceMs: number;
  #pending: PushRequest | undefined;
  #firstEventAt = 0;
  #lastEventAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(onPush: (request: PushRequest) => void, debounceMs: number, maxMs = 10_000) {
    this.#onPush = onPush;
    this.#debounceMs = debounceMs;
    this.#maxMs = maxMs;
  }

  /** Changes the quiet period for the next decisions. */
  setDebounce(ms: number): void {
    this.#debounceMs = ms;
    if (this.#pending) this.#arm();
  }

  /** Adds an event. */
  enqueue(request: PushRequest): void {
    if (this.#stopped) return;
    const now = Date.now();
    if (!this.#pending) {
      this.#pending = { full: request.full, changes: [...request.changes] };
      this.#firstEventAt = now;
    } else {
      this.#pending = mergePushRequests(this.#pending, request);
    }
    this.#lastEventAt = now;
    this.#arm();
  }

  /** Drops pending events. */
  stop(): void {
    this.#stopped = true;
    this.#pending = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const now = Date.now();
    const quietLeft = this.#lastEventAt + this.#debounceMs - now;
    const maxLeft = this.#firstEventAt + this.#maxMs - now;
    this.#timer = setTimeout(() => this.#check(), Math.max(0, Math.min(quietLeft, maxLeft)));
  }

  #check(): void {
    this.#timer = undefined;
    const pending = this.#pending;
    if (!pending || this.#stopped) return;
    const now = Date.now();
    const quiet = now - this.#lastEventAt >= this.#debounceMs;
    const tooOld = now - this.#firstEventAt >= this.#maxMs;
    if (!quiet && !tooOld) {
      this.#arm();
      return;
    }
    this.#pending = undefined;
    this.#onPush(pending);
  }
}
