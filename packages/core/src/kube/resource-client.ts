/**
 * Get, list, create, replace and patch of one namespaced resource type, as plain JSON, with
 * the write-recovery rule of `write-recovery.ts`: a write that conflicts after an earlier
 * attempt may have landed re-reads the object and succeeds when the change is there.
 */
import { PatchStrategy } from '@kubernetes/client-node';
import {
  ConcurrentEditError,
  describeRef as describe,
  KubeApiError,
  type ObjectRef,
} from '../errors.js';
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';
import type { CallSettings, KubeRequester } from './kube-requester.js';
import type {
  CallOptions,
  KubeObject,
  ListOptions,
  PatchType,
  WriteOptions,
} from './kube-types.js';
import { newRetryState } from './retry.js';
import type { KubeCall } from './to-kube-error.js';
import {
  containsObject,
  isJsonPatchRetrySafe,
  jsonPatchApplied,
  mergePatchApplied,
  strategicMergePatchApplied,
} from './write-recovery.js';

/** A namespaced resource type. */
export interface ResourceType {
  /** Kind, e.g. `VirtualService`. */
  kind: string;
  /** Plural resource name in URLs, e.g. `virtualservices`. */
  plural: string;
  /** API group; `''` for the core group. */
  group: string;
  /** Version to use; a function when it is discovered (Istio's v1 vs v1beta1). */
  version: string | ((options: CallOptions) => Promise<string>);
  /** False for cluster-scoped kinds (Namespace): their paths have no namespace. Default true. */
  namespaced?: boolean | undefined;
}

const CONTENT_TYPE: Readonly<Record<PatchType, PatchStrategy>> = {
  json: PatchStrategy.JsonPatch,
  merge: PatchStrategy.MergePatch,
  'strategic-merge': PatchStrategy.StrategicMergePatch,
};

// Bounds a paginated list: a namespace with more pods than this is not one switchyard manages.
const MAX_LIST_PAGES = 50;
const LIST_PAGE_SIZE = 500;

/** CRUD of one resource type (namespaced unless the type says otherwise). */
export class ResourceClient<T extends KubeObject> {
  readonly #requester: KubeRequester;
  readonly #type: ResourceType;
  readonly #fieldManager: string;

  /**
   * @param requester sends calls
   * @param type the resource type
   * @param fieldManager recorded in managedFields on writes
   */
  constructor(requester: KubeRequester, type: ResourceType, fieldManager: string) {
    this.#requester = requester;
    this.#type = type;
    this.#fieldManager = fieldManager;
  }

  /** The `group/version` (or `v1`) used for requests. */
  async apiVersion(options: CallOptions = {}): Promise<string> {
    const version = await this.#version(options);
    return this.#type.group ? `${this.#type.group}/${version}` : version;
  }

  /** The object, or undefined when it does not exist. */
  async get(namespace: string, name: string, options: CallOptions = {}): Promise<T | undefined> {
    return this.#getPath(namespace, name, undefined, options);
  }

  /** The object read through a subresource (e.g. `status`), or undefined when it does not exist. */
  async getSubresource(
    namespace: string,
    name: string,
    subresource: string,
    options: CallOptions = {},
  ): Promise<T | undefined> {
    return this.#getPath(namespace, name, subresource, options);
  }

  /** Every object in `namespace` matching the selectors, following pagination. */
  async list(namespace: string, options: ListOptions = {}): Promise<T[]> {
    return this.#list(namespace, options);
  }

  /**
   * Every object in every namespace matching the selectors (or every object of a
   * cluster-scoped kind), following pagination. Needs RBAC `list` cluster-wide.
   */
  async listAllNamespaces(options: ListOptions = {}): Promise<T[]> {
    return this.#list(undefined, options);
  }

  async #list(namespace: string | undefined, options: ListOptions): Promise<T[]> {
    const selectors = [options.labelSelector, options.fieldSelector].filter(Boolean).join(', ');
    const call: KubeCall = {
      verb: 'list',
      target: `${this.#type.kind} objects in ${namespace ?? 'every namespace'}${selectors ? ` (${selectors})` : ''}`,
    };
    const items: T[] = [];
    let continueToken: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const path = await this.#collectionPath(namespace, options);
      const list = await this.#requester.call<
        { items?: T[]; metadata?: { continue?: string } } | undefined
      >(
        call,
        {
          method: 'GET',
          path,
          query: {
            labelSelector: options.labelSelector,
            fieldSelector: options.fieldSelector,
            limit: String(LIST_PAGE_SIZE),
            continue: continueToken,
          },
        },
        { retrySafe: true, signal: options.signal },
      );
      const kind = this.#type.kind;
      const apiVersion = await this.apiVersion(options);
      // List items come without apiVersion/kind; fill them in so items are complete objects.
      for (const item of list?.items ?? [])
        items.push({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind });
      continueToken = list?.metadata?.continue || undefined;
      if (!continueToken) return items;
    }
    throw new KubeApiError(
      `${call.verb} ${call.target}: more than ${MAX_LIST_PAGES * LIST_PAGE_SIZE} objects`,
      {
        reason: 'TooManyObjects',
        verb: 'list',
      },
    );
  }

  /** Creates `object` (its namespace and name from its metadata). */
  async create(object: T, options: WriteOptions<T> = {}): Promise<T> {
    const ref = this.#ref(object.metadata.namespace, object.metadata.name);
    const namespace = requireNamespace(ref, 'create');
    const call: KubeCall = { verb: 'create', target: describe(ref), object: ref };
    const settings = this.#writeSettings(options, Boolean(object.metadata.name));
    try {
      return await this.#requester.call<T>(
        call,
        {
          method: 'POST',
          path: await this.#collectionPath(namespace, options),
          query: this.#writeQuery(options),
          body: object,
        },
        settings,
      );
    } catch (error) {
      const conflict = error instanceof KubeApiError && error.reason === 'AlreadyExists';
      return this.#recover(error, conflict, settings, ref, options, (current) =>
        containsObject(current, withoutStatus(object)),
      );
    }
  }

  /** Replaces the object (PUT); a `metadata.resourceVersion` makes it fail with ConcurrentEditError when stale. */
  async replace(object: T, options: WriteOptions<T> = {}): Promise<T> {
    const ref = this.#ref(object.metadata.namespace, object.metadata.name);
    const namespace = requireNamespace(ref, 'replace');
    const call: KubeCall = { verb: 'replace', target: describe(ref), object: ref };
    const settings = this.#writeSettings(options, true);
    try {
      return await this.#requester.call<T>(
        call,
        {
          method: 'PUT',
          path: `${await this.#collectionPath(namespace, options)}/${encodeURIComponent(ref.name)}`,
          query: this.#writeQuery(options),
          body: object,
        },
        settings,
      );
    } catch (error) {
      return this.#recover(
        error,
        error instanceof ConcurrentEditError,
        settings,
        ref,
        options,
        (current) => containsObject(current, withoutStatus(object)),
      );
    }
  }

  /** Applies a JSON Patch (RFC 6902); a failed `test` op rejects with ConcurrentEditError and changes nothing. */
  async patch(
    namespace: string,
    name: string,
    ops: readonly JsonPatchOperation[],
    options: WriteOptions<T> = {},
  ): Promise<T> {
    return this.#patch(
      namespace,
      name,
      'json',
      ops,
      isJsonPatchRetrySafe(ops),
      (current) => jsonPatchApplied(current, ops),
      options,
    );
  }

  /** Applies a JSON merge patch (RFC 7396); include `metadata.resourceVersion` to make it conditional. */
  async mergePatch(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options: WriteOptions<T> = {},
  ): Promise<T> {
    return this.#patch(
      namespace,
      name,
      'merge',
      patch,
      true,
      (current) => mergePatchApplied(current, patch),
      options,
    );
  }

  /** Applies a strategic merge patch (built-in types only; custom resources answer 415). */
  async strategicMergePatch(
    namespace: string,
    name: string,
    patch: Record<string, unknown>,
    options: WriteOptions<T> = {},
  ): Promise<T> {
    return this.#patch(
      namespace,
      name,
      'strategic-merge',
      patch,
      true,
      (current) => strategicMergePatchApplied(current, patch),
      options,
    );
  }

  async #patch(
    namespace: string,
    name: string,
    patchType: PatchType,
    body: unknown,
    retrySafe: boolean,
    applied: (current: T) => boolean,
    options: WriteOptions<T>,
  ): Promise<T> {
    const ref = this.#ref(namespace, name);
    const call: KubeCall = { verb: 'patch', target: describe(ref), object: ref, patchType };
    const settings = this.#writeSettings(options, retrySafe);
    try {
      return await this.#requester.call<T>(
        call,
        {
          method: 'PATCH',
          path: `${await this.#collectionPath(namespace, options)}/${encodeURIComponent(name)}`,
          query: this.#writeQuery(options),
          body,
          contentType: CONTENT_TYPE[patchType],
        },
        settings,
      );
    } catch (error) {
      return this.#recover(
        error,
        error instanceof ConcurrentEditError,
        settings,
        ref,
        options,
        applied,
      );
    }
  }

  /**
   * After a write failed with a conflict: when an earlier attempt may have been applied,
   * re-read and return the object if it shows the change; otherwise rethrow.
   */
  async #recover(
    error: unknown,
    isConflict: boolean,
    settings: CallSettings,
    ref: ObjectRef,
    options: WriteOptions<T>,
    defaultApplied: (current: T) => boolean,
  ): Promise<T> {
    if (!isConflict || !settings.state?.mayHaveLanded || options.dryRun) throw error;
    const current = await this.get(ref.namespace ?? '', ref.name, { signal: options.signal });
    const applied = options.alreadyApplied ?? defaultApplied;
    if (current && applied(current)) return current;
    throw error;
  }

  #writeSettings(options: WriteOptions<T>, retrySafe: boolean): CallSettings {
    // A dry run stores nothing, so repeating it is always harmless.
    return {
      retrySafe: retrySafe || options.dryRun === 'All',
      signal: options.signal,
      state: newRetryState(),
    };
  }

  #writeQuery(options: WriteOptions<T>): Record<string, string | undefined> {
    return { dryRun: options.dryRun, fieldManager: this.#fieldManager };
  }

  async #getPath(
    namespace: string,
    name: string,
    subresource: string | undefined,
    options: CallOptions,
  ): Promise<T | undefined> {
    const ref = this.#ref(namespace, name);
    const path = `${await this.#collectionPath(namespace, options)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
    try {
      return await this.#requester.call<T>(
        {
          verb: 'get',
          target: describe(ref) + (subresource ? ` (${subresource})` : ''),
          object: ref,
        },
        { method: 'GET', path },
        { retrySafe: true, signal: options.signal },
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404 && error.reason === 'NotFound')
        return undefined;
      throw error;
    }
  }

  async #collectionPath(namespace: string | undefined, options: CallOptions): Promise<string> {
    const version = await this.#version(options);
    const root = this.#type.group ? `/apis/${this.#type.group}/${version}` : `/api/${version}`;
    if (namespace === undefined || this.#type.namespaced === false)
      return `${root}/${this.#type.plural}`;
    return `${root}/namespaces/${encodeURIComponent(namespace)}/${this.#type.plural}`;
  }

  async #version(options: CallOptions): Promise<string> {
    return typeof this.#type.version === 'string'
      ? this.#type.version
      : this.#type.version(options);
  }

  #ref(namespace: string | undefined, name: string): ObjectRef {
    return {
      kind: this.#type.kind,
      namespace: this.#type.namespaced === false ? undefined : namespace,
      name,
    };
  }
}

function requireNamespace(ref: ObjectRef, verb: string): string {
  if (!ref.namespace) {
    throw new KubeApiError(`${verb} ${describe(ref)}: metadata.namespace is required`, {
      reason: 'BadRequest',
      verb,
      object: ref,
    });
  }
  return ref.namespace;
}

function withoutStatus<T extends KubeObject>(object: T): Omit<T, 'status'> {
  const { status: _ignoredByServer, ...rest } = object;
  return rest;
}
