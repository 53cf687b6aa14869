/**
 * Kubernetes Events about a release, attached to the VirtualService so `kubectl describe
 * virtualservice` and `kubectl get events` show what switchyard did. core/v1 Events in the
 * legacy shape (`firstTimestamp`/`lastTimestamp`, `source.component`), which every kubectl
 * prints, plus `reportingComponent`.
 */
import type { ObjectMeta } from '../istio/types.js';
import type { KubeEvent, ObjectReference, WriteOptions } from './kube-types.js';
import type { ResourceClient } from './resource-client.js';

/** The component name Events are reported under. */
export const EVENT_COMPONENT = 'switchyard';

/** An Event to record. */
export interface EventRecord {
  /** The object the Event is about (normally the VirtualService); its uid, when set, links the Event. */
  involvedObject: {
    apiVersion: string;
    kind: string;
    metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'uid' | 'resourceVersion'>;
  };
  /** `Normal` or `Warning`. */
  type: 'Normal' | 'Warning';
  /** Short UpperCamelCase reason, e.g. `StepApplied`, `RolledBack`. */
  reason: string;
  /** Human-readable message; long messages are shortened to {@link MAX_EVENT_MESSAGE} characters. */
  message: string;
}

/** Options of {@link buildEvent}. */
export interface BuildEventOptions {
  /** Event time; defaults to now. */
  time?: Date | undefined;
  /** `reportingInstance` (e.g. the lock holder identity); undefined leaves it out. */
  instance?: string | undefined;
  /** Uniqueness suffix source; replaceable for deterministic tests. */
  random?: (() => number) | undefined;
}

/** Longest message kept; the API server rejects very large Events. */
export const MAX_EVENT_MESSAGE = 1024;

/** Builds the core/v1 Event for `record` (pure). */
export function buildEvent(record: EventRecord, options: BuildEventOptions = {}): KubeEvent {
  const time = options.time ?? new Date();
  const random = options.random ?? Math.random;
  const { metadata } = record.involvedObject;
  if (!metadata.namespace)
    throw new TypeError(
      `Event about ${record.involvedObject.kind} ${metadata.name} needs a namespace`,
    );
  // Like client-go: `<object>.<unix nanoseconds in hex>`; the random low digits keep two
  // Events in the same millisecond apart.
  const nanos = BigInt(time.getTime()) * 1_000_000n + BigInt(Math.floor(random() * 1_000_000));
  const name = `${metadata.name.slice(0, 200)}.${nanos.toString(16)}`;
  // metav1.Time has second precision on the wire.
  const timestamp = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const involvedObject: ObjectReference = {
    apiVersion: record.involvedObject.apiVersion,
    kind: record.involvedObject.kind,
    namespace: metadata.namespace,
    name: metadata.name,
    ...(metadata.uid ? { uid: metadata.uid } : {}),
    ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: metadata.namespace },
    involvedObject,
    reason: record.reason,
    message:
      record.message.length > MAX_EVENT_MESSAGE
        ? `${record.message.slice(0, MAX_EVENT_MESSAGE - 3)}...`
        : record.message,
    type: record.type,
    source: { component: EVENT_COMPONENT },
    firstTimestamp: timestamp,
    lastTimestamp: timestamp,
    count: 1,
    reportingComponent: EVENT_COMPONENT,
    ...(options.instance ? { reportingInstance: options.instance } : {}),
  };
}

/** Records Events through the API. */
export class KubeEvents {
  readonly #events: ResourceClient<KubeEvent>;
  readonly #instance: string | undefined;

  /**
   * @param events core/v1 Event access
   * @param instance `reportingInstance` of every Event, when set
   */
  constructor(events: ResourceClient<KubeEvent>, instance?: string) {
    this.#events = events;
    this.#instance = instance;
  }

  /** Creates the Event for `record` in the involved object's namespace. */
  async create(
    record: EventRecord,
    options: Pick<WriteOptions<KubeEvent>, 'signal' | 'dryRun'> = {},
  ): Promise<KubeEvent> {
    return this.#events.create(buildEvent(record, { instance: this.#instance }), options);
  }
}
