/**
 * Kubernetes Events as client-go's recorder writes them: a v1 Event named
 * `<object>.<hex nanoseconds>` in the object's namespace, `involvedObject` pointing at it,
 * `source.component` the controller. A repeat of the same reason and message for the same
 * object bumps `count` and `lastTimestamp` instead of adding an Event (the correlator).
 * Recording is best-effort, as in client-go: a failed write never fails a sync.
 */
import type { KubeObject, ObjectStore } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { kubeTime } from '../go-faithful/kube-time.js';

const MAX_CORRELATED = 4096;

/** Writes Events for one controller. */
export class EventRecorder {
  readonly #store: ObjectStore;
  readonly #events: ResourceType;
  readonly #component: string;
  // uid|reason|message -> name of the Event that recorded it
  readonly #recorded = new Map<string, string>();
  #sequence = 0;

  constructor(store: ObjectStore, events: ResourceType, component: string) {
    this.#store = store;
    this.#events = events;
    this.#component = component;
  }

  /** Records a `Normal` event about `object`. */
  normal(object: Readonly<KubeObject>, reason: string, message: string): void {
    const namespace = object.metadata.namespace ?? 'default';
    const key = `${object.metadata.uid}|${reason}|${message}`;
    const now = kubeTime();
    try {
      const existingName = this.#recorded.get(key);
      const existing = existingName
        ? this.#store.peek(this.#events, namespace, existingName)
        : undefined;
      if (existing) {
        this.#store.update(
          this.#events,
          namespace,
          {
            ...existing,
            count: ((existing.count as number | undefined) ?? 1) + 1,
            lastTimestamp: now,
          },
          { expectedResourceVersion: existing.metadata.resourceVersion },
        );
        return;
      }
      // Nanoseconds since the epoch in hex, unique per recorder like client-go's names.
      const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(this.#sequence++ % 1_000_000);
      const name = `${object.metadata.name}.${nanos.toString(16)}`;
      this.#store.create(this.#events, namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace,
          resourceVersion: object.metadata.resourceVersion,
          uid: object.metadata.uid,
        },
        reason,
        message,
        type: 'Normal',
        source: { component: this.#component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        eventTime: null,
        reportingComponent: this.#component,
        reportingInstance: '',
      });
      if (this.#recorded.size >= MAX_CORRELATED) {
        const oldest = this.#recorded.keys().next().value;
        if (oldest !== undefined) this.#recorded.delete(oldest);
      }
      this.#recorded.set(key, name);
    } catch {
      // Events are best-effort: losing one must not fail the controller's work.
    }
  }
}
