/**
 * The simulator's etcd: every Kubernetes object, one global resourceVersion counter, a
 * bounded event history for watches, and synchronous change notifications for the
 * in-process controllers (Deployment controller, endpoints, istiod).
 *
 * Semantics follow the real API server (istio.md section 5): resourceVersion changes on
 * every write; metadata.generation bumps only when something outside metadata and status
 * changes; an update carrying a stale resourceVersion is a 409 Conflict; status is only
 * writable through the status subresource for types that have one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { FieldProblem } from './admission.js';
import { objectNameProblems } from './object-meta-validation.js';
import {
  apiVersionOf,
  qualifiedResource,
  resourceKey,
  type ResourceRegistry,
  type ResourceType,
} from './resource-types.js';

/** Object metadata as stored. */
export interface StoredMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  finalizers?: string[];
  [field: string]: unknown;
}

/** A Kubernetes object as the store holds it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: StoredMeta;
  [field: string]: unknown;
}

/** Input to create/update: metadata fields the server assigns may be absent. */
export interface KubeObjectInput {
  apiVersion?: string;
  kind?: string;
  metadata?: Partial<StoredMeta>;
  [field: string]: unknown;
}

/** `ADDED`, `MODIFIED` or `DELETED`, as in a watch stream. */
export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. */
export interface StoreEvent {
  /** Kind of change. */
  type: StoreEventType;
  /** Resource type of the object. */
  resource: ResourceType;
  /** The object after the change (for DELETED: as it was, with the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  oldObject?: KubeObject;
  /** Global resourceVersion of this change. */
  resourceVersion: number;
}

/** Status reasons the store raises; the API layer turns them into `kind: Status` bodies. */
export type StoreErrorReason =
  'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'BadRequest' | 'Expired';

/** A store failure, shaped so the API layer can build a real Kubernetes Status from it. */
export class StoreError extends Error {
  /** Status reason. */
  readonly reason: StoreErrorReason;
  /** HTTP status code. */
  readonly statusCode: number;
  /** Status details (name, group, kind, causes). */
  readonly statusDetails: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message: string; field?: string }[];
  };

  constructor(
    reason: StoreErrorReason,
    statusCode: number,
    message: string,
    details: StoreError['statusDetails'] = {},
  ) {
    super(message);
    this.name = 'StoreError';
    this.reason = reason;
    this.statusCode = statusCode;
    this.statusDetails = details;
  }
}

/** Options shared by writes. */
export interface WriteOptions {
  /** Validate and compute the result, but do not save or notify (API `dryRun=All`). */
  dryRun?: boolean;
  /** Write through a subresource: `status` writes only `.status`; otherwise `.status` is kept. */
  subresource?: 'status';
}

/** Options of `update`. */
export interface UpdateOptions extends WriteOptions {
  /**
   * The resourceVersion the writer based its change on. When set and not the current one,
   * the update fails with 409 Conflict. When undefined, the update is unconditional.
   */
  expectedResourceVersion?: string | undefined;
}

/** Options of `delete`. */
export interface DeleteOptions {
  /** Dry run: report what would be deleted. */
  dryRun?: boolean;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

const HISTORY_LIMIT = 20_000;
const HISTORY_TRIM_CHUNK = 2_000;

function nowTimestamp(): string {
  // Kubernetes timestamps have second precision.
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function withoutMetaAndStatus(object: KubeObjectInput | KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

/** The in-memory object store. */
export class ObjectStore {
  readonly registry: ResourceRegistry;
  #resourceVersion = 0;
  // resourceKey -> "namespace/name" -> object
  readonly #objects = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  constructor(registry: ResourceRegistry) {
    this.registry = registry;
  }

  /** The current global resourceVersion (as a number). */
  currentResourceVersion(): number {
    return this.#resourceVersion;
  }

  /** The oldest resourceVersion a watch can still resume from. */
  oldestResumableResourceVersion(): number {
    const first = this.#history[0];
    return first ? first.resourceVersion - 1 : this.#resourceVersion;
  }

  /**
   * Subscribes to every committed change, called synchronously after the commit.
   * Listeners must not write to the store synchronously: schedule writes instead.
   */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Events after `resourceVersion` (exclusive), oldest first; `undefined` when history no
   * longer reaches back that far (the API answers 410 Gone).
   */
  eventsSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion >= this.#resourceVersion) return [];
    if (resourceVersion < this.oldestResumableResourceVersion()) return undefined;
    // History is ordered by resourceVersion: binary search the first newer event.
    let lo = 0;
    let hi = this.#history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#history[mid] as StoreEvent).resourceVersion <= resourceVersion) lo = mid + 1;
      else hi = mid;
    }
    return this.#history.slice(lo);
  }

  /** A deep copy of the object, or undefined. */
  get(resource: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.peek(resource, namespace, name);
    return object ? structuredClone(object) : undefined;
  }

  /**
   * The stored object itself, without copying: for in-process readers on hot paths.
   * Never mutate it; writes go through `update`.
   */
  peek(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Readonly<KubeObject> | undefined {
    return this.#bucket(resource).get(objectKey(resource, namespace, name));
  }

  /** Deep copies of the objects of a type, optionally in one namespace and filtered. */
  list(
    resource: ResourceType,
    namespace?: string,
    filter?: (object: Readonly<KubeObject>) => boolean,
  ): { items: KubeObject[]; resourceVersion: string } {
    return {
      items: this.peekAll(resource, namespace, filter).map((o) => structuredClone(o)),
      resourceVersion: String(this.#resourceVersion),
    };
  }

  /** Stored objects without copying (never mutate them), sorted by namespace and name. */
  peekAll(
    resource: ResourceType,
    namespace?: string,
    filter?: (object: Readonly<KubeObject>) => boolean,
  ): Readonly<KubeObject>[] {
    const out: KubeObject[] = [];
    for (const object of this.#bucket(resource).values()) {
      if (namespace !== undefined && resource.namespaced && object.metadata.namespace !== namespace)
        continue;
      if (filter && !filter(object)) continue;
      out.push(object);
    }
    // Plain code-unit order, like etcd's keys; no strings built per comparison.
    return out.sort((a, b) => {
      const an = a.metadata.namespace ?? '';
      const bn = b.metadata.namespace ?? '';
      if (an !== bn) return an < bn ? -1 : 1;
      const a1 = a.metadata.name;
      const b1 = b.metadata.name;
      return a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
    });
  }

  /** Creates an object; assigns uid, resourceVersion, generation and creationTimestamp. */
  create(
    resource: ResourceType,
    namespace: string | undefined,
    input: KubeObjectInput,
    options: WriteOptions = {},
  ): KubeObject {
    const metadata = { ...(input.metadata ?? {}) };
    let name = metadata.name;
    if (!name && metadata.generateName) name = `${metadata.generateName}${randomSuffix()}`;
    if (!name) {
      throw this.#invalid(resource, '', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    const ns = resource.namespaced ? (namespace ?? metadata.namespace) : undefined;
    if (resource.namespaced) {
      if (!ns)
        throw new StoreError('BadRequest', 400, 'the namespace of the object must be provided');
      if (metadata.namespace && metadata.namespace !== ns) {
        throw new StoreError(
          'BadRequest',
          400,
          `the namespace of the provided object (${metadata.namespace}) does not match the namespace sent on the request (${ns})`,
        );
      }
    }
    this.#validateName(resource, name);
    if (resource.namespaced && ns && !this.#namespaceExists(ns)) {
      throw new StoreError('NotFound', 404, `namespaces "${ns}" not found`, {
        name: ns,
        kind: 'namespaces',
      });
    }
    const bucket = this.#bucket(resource);
    const key = objectKey(resource, ns, name);
    if (bucket.has(key)) {
      throw new StoreError(
        'AlreadyExists',
        409,
        `${qualifiedResource(resource)} "${name}" already exists`,
        {
          name,
          group: resource.group,
          kind: resource.plural,
        },
      );
    }
    const rv = options.dryRun ? this.#resourceVersion : this.#resourceVersion + 1;
    const object: KubeObject = {
      ...structuredClone(input),
      apiVersion: input.apiVersion ?? apiVersionOf(resource.group, resource.versions[0] as string),
      kind: resource.kind,
      metadata: {
        ...structuredClone(metadata),
        name,
        ...(ns ? { namespace: ns } : {}),
        uid: randomUUID(),
        resourceVersion: String(rv),
        creationTimestamp: nowTimestamp(),
        ...(resource.hasGeneration ? { generation: 1 } : {}),
      },
    };
    delete object.metadata.deletionTimestamp;
    if (options.dryRun) return object;
    this.#resourceVersion = rv;
    bucket.set(key, object);
    this.#emit({ type: 'ADDED', resource, object, resourceVersion: rv });
    return structuredClone(object);
  }

  /**
   * Replaces an object (PUT semantics). Keeps server-owned metadata, applies the
   * generation and status rules, and checks `expectedResourceVersion`.
   */
  update(
    resource: ResourceType,
    namespace: string | undefined,
    input: KubeObjectInput,
    options: UpdateOptions = {},
  ): KubeObject {
    const name = input.metadata?.name;
    if (!name)
      throw this.#invalid(resource, '', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name is required',
        },
      ]);
    const ns = resource.namespaced ? (namespace ?? input.metadata?.namespace) : undefined;
    const bucket = this.#bucket(resource);
    const key = objectKey(resource, ns, name);
    const current = bucket.get(key);
    if (!current) throw this.notFound(resource, name);
    if (
      options.expectedResourceVersion !== undefined &&
      options.expectedResourceVersion !== current.metadata.resourceVersion
    ) {
      throw this.conflict(resource, name);
    }
    if (input.metadata?.uid !== undefined && input.metadata.uid !== current.metadata.uid) {
      throw this.#invalid(resource, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.uid',
          message: `Invalid value: ${JSON.stringify(input.metadata.uid)}: field is immutable`,
        },
      ]);
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      // Stored objects are never mutated in place, so sharing everything but status and
      // metadata with the previous version is safe and saves a deep copy per status write.
      next = {
        ...current,
        metadata: statusWriteMetadata(resource, current.metadata, input.metadata),
        status: structuredClone(input.status),
      };
      if (input.status === undefined) delete next.status;
    } else {
      const copy = structuredClone(input);
      next = {
        ...copy,
        apiVersion: current.apiVersion,
        kind: resource.kind,
        metadata: {
          ...(copy.metadata ?? {}),
          name,
          ...(ns ? { namespace: ns } : {}),
          uid: current.metadata.uid,
          resourceVersion: current.metadata.resourceVersion,
          creationTimestamp: current.metadata.creationTimestamp,
          ...(current.metadata.generation !== undefined
            ? { generation: current.metadata.generation }
            : {}),
          ...(current.metadata.deletionTimestamp
            ? { deletionTimestamp: current.metadata.deletionTimestamp }
            : {}),
        },
      };
      if (input.apiVersion) next.apiVersion = input.apiVersion;
      // Types with a status subresource keep their status on main-resource writes.
      if (resource.subresources.includes('status')) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      if (
        resource.hasGeneration &&
        !isDeepStrictEqual(withoutMetaAndStatus(current), withoutMetaAndStatus(next))
      ) {
        next.metadata.generation = (current.metadata.generation ?? 0) + 1;
      }
    }
    if (isDeepStrictEqual(stripVolatile(current), stripVolatile(next))) {
      // A no-op write does not change resourceVersion and emits no event, as in Kubernetes.
      return structuredClone(current);
    }
    const rv = options.dryRun ? this.#resourceVersion : this.#resourceVersion + 1;
    next.metadata.resourceVersion = String(rv);
    if (options.dryRun) return next;
    this.#resourceVersion = rv;
    bucket.set(key, next);
    this.#emit({
      type: 'MODIFIED',
      resource,
      object: next,
      oldObject: current,
      resourceVersion: rv,
    });
    return structuredClone(next);
  }

  /** Deletes an object; returns it as it was (with the deletion's resourceVersion). */
  delete(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const bucket = this.#bucket(resource);
    const key = objectKey(resource, namespace, name);
    const current = bucket.get(key);
    if (!current) throw this.notFound(resource, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw new StoreError(
        'Conflict',
        409,
        `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`,
        { name, group: resource.group, kind: resource.plural },
      );
    }
    if (
      pre?.resourceVersion !== undefined &&
      pre.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw new StoreError(
        'Conflict',
        409,
        `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        { name, group: resource.group, kind: resource.plural },
      );
    }
    if (options.dryRun) return structuredClone(current);
    const rv = ++this.#resourceVersion;
    bucket.delete(key);
    const deleted: KubeObject = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: String(rv) },
    };
    this.#emit({
      type: 'DELETED',
      resource,
      object: deleted,
      oldObject: current,
      resourceVersion: rv,
    });
    return structuredClone(deleted);
  }

  /** A 404 NotFound error for the object. */
  notFound(resource: ResourceType, name: string): StoreError {
    return new StoreError('NotFound', 404, `${qualifiedResource(resource)} "${name}" not found`, {
      name,
      group: resource.group,
      kind: resource.plural,
    });
  }

  /** A 409 Conflict error for a stale resourceVersion. */
  conflict(resource: ResourceType, name: string): StoreError {
    return new StoreError(
      'Conflict',
      409,
      `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: resource.group, kind: resource.plural },
    );
  }

  #invalid(resource: ResourceType, name: string, problems: FieldProblem[]): StoreError {
    const rendered = problems.map((p) => `${p.field}: ${p.message}`);
    const kind = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
    return new StoreError(
      'Invalid',
      422,
      `${kind} "${name}" is invalid: ${rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`}`,
      {
        name,
        group: resource.group,
        kind: resource.kind,
        causes: problems.map((p) => ({ reason: p.type, message: p.message, field: p.field })),
      },
    );
  }

  // The API server validates names before admission; this guards writes of controllers.
  #validateName(resource: ResourceType, name: string): void {
    const problems = objectNameProblems(resource, name);
    if (problems.length > 0) throw this.#invalid(resource, name, problems);
  }

  #namespaceExists(namespace: string): boolean {
    const type = this.registry.byPlural('', 'namespaces');
    return type ? this.#bucket(type).has(objectKey(type, undefined, namespace)) : true;
  }

  #bucket(resource: ResourceType): Map<string, KubeObject> {
    const key = resourceKey(resource);
    let bucket = this.#objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(key, bucket);
    }
    return bucket;
  }

  #emit(event: StoreEvent): void {
    this.#history.push(event);
    // Trim in chunks: splicing the front on every event is O(n) per write.
    if (this.#history.length > HISTORY_LIMIT + HISTORY_TRIM_CHUNK)
      this.#history.splice(0, this.#history.length - HISTORY_LIMIT);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken listener must not break the write that already committed.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/**
 * The metadata a status write leaves: a custom resource's status strategy keeps only the new
 * status; the built-in ones reset the spec (and a few fields) but keep metadata changes, so
 * the deployment controller writes its revision annotation with the status. Deployments keep
 * their labels, pods their owner references; server-owned fields never change.
 */
function statusWriteMetadata(
  resource: ResourceType,
  current: StoredMeta,
  input: KubeObjectInput['metadata'],
): StoredMeta {
  if (!resource.builtin || !input) return { ...current };
  const kept = structuredClone(input) as StoredMeta;
  const key = `${resource.group}/${resource.plural}`;
  const next: StoredMeta = {
    ...kept,
    name: current.name,
    ...(current.namespace !== undefined ? { namespace: current.namespace } : {}),
    uid: current.uid,
    resourceVersion: current.resourceVersion,
    creationTimestamp: current.creationTimestamp,
  };
  delete next.generation;
  delete next.deletionTimestamp;
  delete next.deletionGracePeriodSeconds;
  if (current.generation !== undefined) next.generation = current.generation;
  if (current.deletionTimestamp !== undefined) {
    next.deletionTimestamp = current.deletionTimestamp;
    next.deletionGracePeriodSeconds = current.deletionGracePeriodSeconds;
  }
  const restore = (field: 'labels' | 'ownerReferences'): void => {
    if (current[field] === undefined) delete next[field];
    else next[field] = structuredClone(current[field]) as never;
  };
  if (key === 'apps/deployments') restore('labels');
  if (key === '/pods') restore('ownerReferences');
  return next;
}

function objectKey(resource: ResourceType, namespace: string | undefined, name: string): string {
  return resource.namespaced ? `${namespace ?? ''}/${name}` : `/${name}`;
}

function stripVolatile(object: KubeObject): unknown {
  const { resourceVersion: _rv, ...meta } = object.metadata;
  return { ...object, metadata: meta };
}

function randomSuffix(): string {
  // Kubernetes uses 5 characters from a consonant-and-digit alphabet.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}
