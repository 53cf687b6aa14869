/**
 * The verbs on stored objects: get, list, create, update (PUT), patch, delete and
 * deletecollection, on the main resource and the `status` and `scale` subresources, with
 * the real server's order of checks (type meta, names, preconditions and
 * resourceVersion, defaulting, validation, admission, storage), `dryRun=All`, finalizers
 * and graceful pod deletion.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Admission } from '../store/admission.js';
import type { KubeObject, ObjectStore } from '../store/object-store.js';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from '../store/resource-types.js';
import { admitWrite } from './admission-chain.js';
import {
  ApiStatusError,
  badRequest,
  conflict,
  invalid,
  methodNotAllowed,
  notAcceptable,
  resourceNotFound,
} from './api-status.js';
import { allocateClusterIp, applyBuiltinDefaults, prepareForCreate } from './builtin-defaults.js';
import {
  negotiateResource,
  RESOURCE_MEDIA_TYPES,
  type ResourceRepresentation,
} from './content-negotiation.js';
import { paginate, selectorFilter } from './list-query.js';
import {
  listBody,
  partialObjectMetadata,
  partialObjectMetadataList,
  present,
} from './object-presentation.js';
import {
  acceptedPatchTypes,
  applyPatchDocument,
  checkPatchType,
  isApplyPatch,
} from './patch-document.js';
import type { MutatingAdmission } from './mutating-admission.js';
import { decodeObject, decodePatched, type DecodedObject } from './object-decoding.js';
import { decodeObjectBody, mediaType, readBody } from './request-body.js';
import type { ResourceTarget } from './request-target.js';
import type { ApiResponse } from './response-writer.js';
import { replicasOfScale, toScale } from './scale-subresource.js';
import { toTable, type IncludeObject } from './table-convertor.js';
import {
  parseDeleteOptions,
  parseWriteQuery,
  type DeleteQuery,
  type WriteQuery,
} from './write-options.js';

type Json = Record<string, unknown>;

/** What the resource handler works on. */
export interface ResourceHandlerOptions {
  /** The object store. */
  store: ObjectStore;
  /** Served types. */
  registry: ResourceRegistry;
  /** Schema validation and webhooks; undefined skips them (built-in validation still runs). */
  admission?: Admission;
  /** Mutating admission plugins; undefined runs none. */
  mutatingAdmission?: MutatingAdmission;
}

/** A response plus whether to serialize it as YAML. */
export interface RenderedResponse extends ApiResponse {
  /** Serialize as YAML (client asked for `application/yaml`). */
  yaml: boolean;
}

// Registries whose delete returns the deleted object instead of a Status (ReturnDeletedObject).
const RETURNS_DELETED_OBJECT = new Set(['/pods', '/services', '/namespaces']);
// Strategies that allow PUT to create a missing object (AllowCreateOnUpdate).
const CREATES_ON_UPDATE = new Set(['/endpoints', '/events', 'coordination.k8s.io/leases']);
const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function key(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function meta(object: Json): Json {
  const value = object.metadata;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  object.metadata = created;
  return created;
}

/** A value from a client's body, for an error message. */
function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function generateNameSuffix(): string {
  let out = '';
  for (const byte of randomBytes(5))
    out += GENERATE_NAME_ALPHABET[byte % GENERATE_NAME_ALPHABET.length];
  return out;
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const raw = query.get('includeObject');
  if (raw === null || raw === '') return 'Metadata';
  if (raw === 'None' || raw === 'Metadata' || raw === 'Object') return raw;
  throw badRequest(
    `includeObject: Unsupported value: "${raw}": supported values: "Metadata", "None", "Object"`,
  );
}

/** Serves non-streaming requests on resources. */
export class ResourceHandler {
  readonly #store: ObjectStore;
  readonly #registry: ResourceRegistry;
  readonly #admission: Admission | undefined;
  readonly #mutating: MutatingAdmission | undefined;

  constructor(options: ResourceHandlerOptions) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#admission = options.admission;
    this.#mutating = options.mutatingAdmission;
  }

  /** Runs mutating admission, then defaulting again over what the plugins changed. */
  #mutate(
    target: ResourceTarget,
    operation: 'CREATE' | 'UPDATE',
    object: Json,
    dryRun: boolean,
    oldObject?: Json,
  ): Json {
    if (!this.#mutating) return object;
    const mutated = this.#mutating.mutate({
      type: target.type,
      operation,
      namespace: target.namespace,
      object,
      ...(oldObject ? { oldObject } : {}),
      dryRun,
    });
    applyBuiltinDefaults(target.type, mutated);
    return mutated;
  }

  /** Handles a request for the main resource or its `status` / `scale` subresource. */
  async handle(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
  ): Promise<RenderedResponse> {
    const method = request.method ?? 'GET';
    const { subresource, name } = target;
    if (subresource !== undefined && !target.type.subresources.includes(subresource)) {
      // apiextensions answers an unknown subresource of a custom resource with the object's NotFound.
      if (target.type.builtin) throw resourceNotFound();
      throw this.#store.notFound(target.type, name ?? '');
    }
    if (subresource === 'status' || subresource === 'scale') {
      if (name === undefined) throw resourceNotFound();
      if (method === 'GET')
        return this.#render(
          request,
          target,
          query,
          this.#getObject(target, name),
          subresource === 'scale',
        );
      if (method === 'PUT')
        return subresource === 'scale'
          ? this.#updateScale(request, target, query, name)
          : this.#update(request, target, query, name, 'status');
      if (method === 'PATCH')
        return subresource === 'scale'
          ? this.#patchScale(request, target, query, name)
          : this.#patch(request, target, query, name, 'status');
      throw methodNotAllowed();
    }
    if (subresource !== undefined) throw methodNotAllowed();
    if (name === undefined) {
      if (method === 'GET') return this.#list(request, target, query);
      if (method === 'POST' && (target.namespace !== undefined || !target.type.namespaced))
        return this.#create(request, target, query);
      if (method === 'DELETE' && (target.namespace !== undefined || !target.type.namespaced))
        return this.#deleteCollection(request, target, query);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return this.#render(request, target, query, this.#getObject(target, name), false);
      case 'PUT':
        return this.#update(request, target, query, name);
      case 'PATCH':
        return this.#patch(request, target, query, name);
      case 'DELETE':
        return this.#delete(request, target, query, name);
      default:
        throw methodNotAllowed();
    }
  }

  #getObject(target: ResourceTarget, name: string): Readonly<KubeObject> {
    const object = this.#store.peek(target.type, target.namespace, name);
    if (!object) throw this.#store.notFound(target.type, name);
    return object;
  }

  #representation(request: IncomingMessage, list: boolean): ResourceRepresentation {
    const representation = negotiateResource(request.headers.accept, list);
    if (!representation) throw notAcceptable(RESOURCE_MEDIA_TYPES);
    return representation;
  }

  #render(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    object: Readonly<KubeObject>,
    scale: boolean,
  ): RenderedResponse {
    const representation = this.#representation(request, false);
    if (scale) return { code: 200, body: toScale(object), yaml: representation.kind === 'yaml' };
    const presented = present(object, target.group, target.version);
    switch (representation.kind) {
      case 'table':
        return {
          code: 200,
          yaml: false,
          body: toTable(target.type, [presented], {
            version: target.version,
            tableVersion: representation.version,
            includeObject: includeObjectOf(query),
            resourceVersion: object.metadata.resourceVersion,
          }),
        };
      case 'metadata':
        return {
          code: 200,
          yaml: false,
          body: partialObjectMetadata(presented, representation.version),
        };
      default:
        return { code: 200, yaml: representation.kind === 'yaml', body: presented };
    }
  }

  #list(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
  ): RenderedResponse {
    const representation = this.#representation(request, true);
    const includeObject = includeObjectOf(query);
    const filter = selectorFilter(target.type, query);
    const sorted = this.#store.peekAll(target.type, target.namespace, filter);
    const page = paginate(sorted, query, String(this.#store.currentResourceVersion()));
    const listMeta = {
      resourceVersion: page.resourceVersion,
      ...(page.continueToken !== undefined
        ? { continue: page.continueToken, remainingItemCount: page.remainingItemCount }
        : {}),
    };
    switch (representation.kind) {
      case 'table':
        return {
          code: 200,
          yaml: false,
          body: toTable(
            target.type,
            page.items.map((o) => present(o, target.group, target.version)),
            {
              version: target.version,
              tableVersion: representation.version,
              includeObject,
              resourceVersion: page.resourceVersion,
              ...(page.continueToken !== undefined ? { continueToken: page.continueToken } : {}),
            },
          ),
        };
      case 'metadata':
        return {
          code: 200,
          yaml: false,
          body: partialObjectMetadataList(page.items, representation.version, listMeta),
        };
      default:
        return {
          code: 200,
          yaml: representation.kind === 'yaml',
          body: listBody(target.type, target.group, target.version, page.items, listMeta),
        };
    }
  }

  #checkNamespace(object: Json, target: ResourceTarget): void {
    const metadata = meta(object);
    if (!target.type.namespaced) {
      delete metadata.namespace;
      return;
    }
    if (
      metadata.namespace !== undefined &&
      metadata.namespace !== '' &&
      metadata.namespace !== target.namespace
    ) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = target.namespace;
  }

  async #create(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
  ): Promise<RenderedResponse> {
    const write = parseWriteQuery(query, 'CreateOptions');
    const decoded = this.#decode(await readBody(request), request, target, write);
    return withWarnings(this.#createObject(target, decoded.object, write), decoded.warnings);
  }

  #decode(
    body: Buffer,
    request: IncomingMessage,
    target: ResourceTarget,
    write: WriteQuery,
  ): DecodedObject {
    return decodeObject(
      body,
      request.headers['content-type'],
      target,
      this.#registry,
      write.fieldValidation,
    );
  }

  #createObject(target: ResourceTarget, object: Json, write: WriteQuery): RenderedResponse {
    const { type } = target;
    const metadata = meta(object);
    if (typeof metadata.resourceVersion === 'string' && metadata.resourceVersion !== '') {
      // The storage layer's plain error, which the server reports without a reason.
      throw new ApiStatusError({
        message: 'resourceVersion should not be set on objects to be created',
        code: 500,
      });
    }
    this.#checkNamespace(object, target);
    for (const field of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'managedFields',
      'selfLink',
      'resourceVersion',
    ]) {
      delete metadata[field];
    }
    if (
      (typeof metadata.name !== 'string' || metadata.name === '') &&
      typeof metadata.generateName === 'string' &&
      metadata.generateName !== ''
    ) {
      metadata.name = `${metadata.generateName}${generateNameSuffix()}`;
    }
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw invalid({ group: type.group, kind: type.kind }, '', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    applyBuiltinDefaults(type, object);
    prepareForCreate(type, object);
    if (key(type) === '/services') allocateClusterIp(object, this.#store.peekAll(type));
    const mutated = this.#mutate(target, 'CREATE', object, write.dryRun);
    const admitted = admitWrite(this.#admission, {
      type,
      version: target.version,
      operation: 'CREATE',
      object: mutated,
      fieldValidation: write.fieldValidation,
    });
    const toStore = {
      ...admitted.object,
      apiVersion: apiVersionOf(type.group, type.versions[0] as string),
    };
    const created = this.#store.create(type, target.namespace, toStore, { dryRun: write.dryRun });
    return {
      code: 201,
      yaml: false,
      body: present(created, target.group, target.version),
      warnings: admitted.warnings,
    };
  }

  async #update(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    name: string,
    subresource?: 'status',
  ): Promise<RenderedResponse> {
    const write = parseWriteQuery(query, 'UpdateOptions');
    const decoded = this.#decode(await readBody(request), request, target, write);
    const object = decoded.object;
    const metadata = meta(object);
    if (metadata.name !== name) {
      throw badRequest(
        `the name of the object (${display(metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    this.#checkNamespace(object, target);
    const current = this.#store.peek(target.type, target.namespace, name);
    const resourceVersion =
      typeof metadata.resourceVersion === 'string' && metadata.resourceVersion !== ''
        ? metadata.resourceVersion
        : undefined;
    if (!current) {
      if (
        subresource === undefined &&
        CREATES_ON_UPDATE.has(key(target.type)) &&
        resourceVersion === undefined
      ) {
        return withWarnings(this.#createObject(target, object, write), decoded.warnings);
      }
      throw this.#store.notFound(target.type, name);
    }
    if (resourceVersion === undefined && !target.type.builtin) {
      // Custom resources do not allow unconditional updates. The registry store names the
      // resource where the kind belongs, and prints the uint64 zero as JSON.
      throw invalid({ group: target.type.group, kind: target.type.plural }, name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          message: 'Invalid value: 0: must be specified for an update',
        },
      ]);
    }
    const result = this.#commitUpdate(target, current, object, write, resourceVersion, subresource);
    return updatedResponse(target, result, decoded.warnings);
  }

  async #patch(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    name: string,
    subresource?: 'status',
  ): Promise<RenderedResponse> {
    const write = patchOptions(request, query, acceptedPatchTypes(target.type));
    const body = await readBody(request);
    const current = this.#getObject(target, name);
    const presented = present(current, target.group, target.version);
    const decoded = decodePatched(
      target,
      applyPatchDocument(
        request.headers['content-type'],
        target.type.kind,
        presented,
        body,
        write.fieldValidation,
      ),
      write.fieldValidation,
    );
    const patched = decoded.object;
    const resourceVersion = this.#checkPatched(patched, target, current, name);
    const result = this.#commitUpdate(
      target,
      current,
      patched,
      write,
      resourceVersion,
      subresource,
    );
    return updatedResponse(target, result, decoded.warnings);
  }

  /** Checks a patched object's identity; returns the resourceVersion it pins (409 when stale). */
  #checkPatched(
    patched: Json,
    target: ResourceTarget,
    current: Readonly<KubeObject>,
    name: string,
  ): string | undefined {
    const metadata = meta(patched);
    if (metadata.name !== name) {
      throw badRequest(
        `the name of the object (${display(metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    this.#checkNamespace(patched, target);
    patched.apiVersion = apiVersionOf(target.group, target.version);
    patched.kind = target.type.kind;
    const resourceVersion =
      typeof metadata.resourceVersion === 'string' && metadata.resourceVersion !== ''
        ? metadata.resourceVersion
        : undefined;
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw conflict({ group: target.type.group, resource: target.type.plural, name });
    }
    return resourceVersion;
  }

  /**
   * Validates, admits and stores a replacement of `current`. For `status` only the status
   * is taken; for the main resource of types with a status subresource, status is kept.
   */
  #commitUpdate(
    target: ResourceTarget,
    current: Readonly<KubeObject>,
    desired: Json,
    write: WriteQuery,
    expectedResourceVersion: string | undefined,
    subresource?: 'status',
  ): { object: KubeObject; warnings: string[] } {
    const { type } = target;
    const name = current.metadata.name;
    // Conflicts are detected before admission, as GuaranteedUpdate does.
    if (
      expectedResourceVersion !== undefined &&
      expectedResourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict({ group: type.group, resource: type.plural, name });
    }
    const currentPresented = structuredClone(present(current, target.group, target.version));
    let effective: Json;
    if (subresource === 'status') {
      effective = structuredClone(currentPresented);
      // Built-in status strategies keep metadata changes (the store resets what each resets).
      if (type.builtin && desired.metadata !== undefined)
        effective.metadata = structuredClone(desired.metadata);
      if (desired.status === undefined) delete effective.status;
      else effective.status = structuredClone(desired.status);
    } else {
      effective = desired;
      if (type.subresources.includes('status')) {
        if (current.status === undefined) delete effective.status;
        else effective.status = structuredClone(current.status);
      }
      applyBuiltinDefaults(type, effective);
    }
    const metadata = meta(effective);
    delete metadata.managedFields;
    // Server-owned metadata, restored as the update strategy does before validation; a
    // different uid is left in place for the store to reject.
    metadata.uid ??= current.metadata.uid;
    metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (current.metadata.generation !== undefined)
      metadata.generation = current.metadata.generation;
    if (current.metadata.deletionTimestamp !== undefined) {
      metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    } else {
      delete metadata.deletionTimestamp;
      delete metadata.deletionGracePeriodSeconds;
    }
    if (subresource === undefined)
      effective = this.#mutate(target, 'UPDATE', effective, write.dryRun, currentPresented);
    const admitted = admitWrite(this.#admission, {
      type,
      version: target.version,
      operation: 'UPDATE',
      object: effective,
      oldObject: currentPresented,
      fieldValidation: write.fieldValidation,
      ...(subresource ? { subresource } : {}),
    });
    const toStore = {
      ...admitted.object,
      apiVersion: apiVersionOf(type.group, type.versions[0] as string),
    };
    const updated = this.#store.update(type, target.namespace, toStore, {
      dryRun: write.dryRun,
      expectedResourceVersion: current.metadata.resourceVersion,
      ...(subresource ? { subresource } : {}),
    });
    const finalizersLeft = updated.metadata.finalizers ?? [];
    const hadFinalizers = (current.metadata.finalizers ?? []).length > 0;
    if (
      !write.dryRun &&
      hadFinalizers &&
      finalizersLeft.length === 0 &&
      updated.metadata.deletionTimestamp !== undefined &&
      updated.metadata.deletionGracePeriodSeconds === 0
    ) {
      // The last finalizer is gone from an object being deleted: the update completes the delete.
      return {
        object: this.#store.delete(type, target.namespace, name),
        warnings: admitted.warnings,
      };
    }
    return { object: updated, warnings: admitted.warnings };
  }

  async #updateScale(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    name: string,
  ): Promise<RenderedResponse> {
    const write = parseWriteQuery(query, 'UpdateOptions');
    const body = decodeObjectBody(
      await readBody(request),
      request.headers['content-type'],
      "couldn't get version/kind; json parse error: ",
    );
    if (body.apiVersion !== undefined && body.apiVersion !== 'autoscaling/v1') {
      throw badRequest(
        `the API version in the data (${display(body.apiVersion)}) does not match the expected API version (autoscaling/v1)`,
      );
    }
    const current = this.#getObject(target, name);
    return this.#writeScale(target, current, body, write, name);
  }

  async #patchScale(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    name: string,
  ): Promise<RenderedResponse> {
    const write = patchOptions(request, query, acceptedPatchTypes({ builtin: true }));
    const body = await readBody(request);
    const current = this.#getObject(target, name);
    const patched = applyPatchDocument(
      request.headers['content-type'],
      'Scale',
      toScale(current),
      body,
      write.fieldValidation,
    );
    return this.#writeScale(target, current, patched, write, name);
  }

  #writeScale(
    target: ResourceTarget,
    current: Readonly<KubeObject>,
    scale: Json,
    write: WriteQuery,
    name: string,
  ): RenderedResponse {
    const scaleMeta = meta(scale);
    if (scaleMeta.name !== undefined && scaleMeta.name !== name) {
      throw badRequest(
        `the name of the object (${display(scaleMeta.name)}) does not match the name on the URL (${name})`,
      );
    }
    const resourceVersion =
      typeof scaleMeta.resourceVersion === 'string' && scaleMeta.resourceVersion !== ''
        ? scaleMeta.resourceVersion
        : undefined;
    if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
      throw conflict({ group: target.type.group, resource: target.type.plural, name });
    }
    const replicas = replicasOfScale(scale, name);
    const desired = structuredClone(present(current, target.group, target.version)) as Json;
    (desired.spec as Json | undefined) ??= {};
    (desired.spec as Json).replicas = replicas;
    const result = this.#commitUpdate(target, current, desired, write, undefined);
    return { code: 200, yaml: false, body: toScale(result.object), warnings: result.warnings };
  }

  async #delete(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
    name: string,
  ): Promise<RenderedResponse> {
    const options = await readDeleteOptions(request, query);
    const current = this.#getObject(target, name);
    const result = this.#deleteObject(target, current, options);
    // The registry store answers with the object while it still exists (finalizers, graceful
    // pod deletion) or when its type returns deleted objects; otherwise with a Status.
    if (result.stillExists || RETURNS_DELETED_OBJECT.has(key(target.type))) {
      return { code: 200, yaml: false, body: present(result.object, target.group, target.version) };
    }
    return {
      code: 200,
      yaml: false,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name,
          ...(target.type.group ? { group: target.type.group } : {}),
          kind: target.type.plural,
          uid: current.metadata.uid,
        },
      },
    };
  }

  /**
   * Deletes one object: preconditions, webhooks, then either marks it (finalizers, graceful
   * pod termination) or removes it.
   */
  #deleteObject(
    target: ResourceTarget,
    current: Readonly<KubeObject>,
    options: DeleteQuery,
  ): { object: KubeObject; stillExists: boolean } {
    const { type } = target;
    const name = current.metadata.name;
    const pre = options.preconditions;
    // rest.BeforeDelete: the conflict names the kind, not the resource.
    const byKind = { group: type.group, resource: type.kind, name };
    if (pre.uid !== undefined && pre.uid !== current.metadata.uid) {
      throw conflict(
        byKind,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid}). The object might have been deleted and then recreated`,
      );
    }
    if (
      pre.resourceVersion !== undefined &&
      pre.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(
        byKind,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`,
      );
    }
    const presented = present(current, target.group, target.version) as Json;
    admitWrite(this.#admission, {
      type,
      version: target.version,
      operation: 'DELETE',
      object: presented,
      oldObject: presented,
      fieldValidation: 'Ignore',
    });

    const hasFinalizers = (current.metadata.finalizers ?? []).length > 0;
    const graceSeconds = this.#podGracePeriod(type, current, options);
    const graceful = graceSeconds !== undefined && graceSeconds > 0;
    if (current.metadata.deletionTimestamp !== undefined) {
      const previous = current.metadata.deletionGracePeriodSeconds;
      // A repeated delete of a terminating pod may only shorten its grace period.
      if (graceful && !hasFinalizers && typeof previous === 'number' && graceSeconds < previous) {
        return {
          object: this.#markDeleted(target, current, graceSeconds, options.dryRun),
          stillExists: true,
        };
      }
      // Otherwise only a forced pod delete (grace 0) without finalizers goes further.
      if (hasFinalizers || graceSeconds === undefined || graceful) {
        return { object: structuredClone(current), stillExists: true };
      }
    } else if (hasFinalizers || graceful) {
      return {
        object: this.#markDeleted(target, current, graceful ? graceSeconds : 0, options.dryRun),
        stillExists: true,
      };
    }
    const deleted = this.#store.delete(type, target.namespace, name, { dryRun: options.dryRun });
    if (!options.dryRun && key(type) === '/namespaces') this.#deleteNamespaceContents(name);
    return { object: deleted, stillExists: false };
  }

  /** Sets deletionTimestamp (now + grace) and deletionGracePeriodSeconds: the object is being deleted. */
  #markDeleted(
    target: ResourceTarget,
    current: Readonly<KubeObject>,
    grace: number,
    dryRun: boolean,
  ): KubeObject {
    const marked = structuredClone(current) as KubeObject;
    marked.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    marked.metadata.deletionGracePeriodSeconds = grace;
    return this.#store.update(target.type, target.namespace, marked, {
      dryRun,
      expectedResourceVersion: current.metadata.resourceVersion,
    });
  }

  /**
   * The grace period of a pod deletion: scheduled pods that have not finished terminate
   * gracefully (the kubelet completes the delete); undefined for everything else.
   */
  #podGracePeriod(
    type: ResourceType,
    current: Readonly<KubeObject>,
    options: DeleteQuery,
  ): number | undefined {
    if (key(type) !== '/pods') return undefined;
    const spec = (current.spec ?? {}) as {
      nodeName?: string;
      terminationGracePeriodSeconds?: number;
    };
    const phase = (current.status as { phase?: string } | undefined)?.phase;
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return undefined;
    return options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  }

  /** What the namespace controller does once a namespace is deleted: its objects go too. */
  #deleteNamespaceContents(namespace: string): void {
    for (const type of this.#registry.all()) {
      if (!type.namespaced) continue;
      for (const object of this.#store.peekAll(type, namespace)) {
        this.#store.delete(type, namespace, object.metadata.name);
      }
    }
  }

  async #deleteCollection(
    request: IncomingMessage,
    target: ResourceTarget,
    query: URLSearchParams,
  ): Promise<RenderedResponse> {
    const options = await readDeleteOptions(request, query);
    const filter = selectorFilter(target.type, query);
    const victims = this.#store.peekAll(target.type, target.namespace, filter);
    const deleted: KubeObject[] = [];
    for (const victim of victims) {
      deleted.push(
        this.#deleteObject(
          { ...target, namespace: victim.metadata.namespace ?? target.namespace },
          victim,
          options,
        ).object,
      );
    }
    // The registry store's DeleteCollection answers with the list of what it deleted.
    return {
      code: 200,
      yaml: false,
      body: listBody(target.type, target.group, target.version, deleted, {
        resourceVersion: String(this.#store.currentResourceVersion()),
      }),
    };
  }
}

/**
 * A patch's options, after its media type: 415 for a type not accepted comes first, as on
 * the real server, except for apply patches, whose options (a required field manager) the
 * real server checks before applying and the simulator before refusing them with a 415.
 */
function patchOptions(
  request: IncomingMessage,
  query: URLSearchParams,
  accepted: readonly string[],
): WriteQuery {
  const patchType = mediaType(request.headers['content-type']);
  if (!isApplyPatch(patchType)) checkPatchType(patchType, accepted);
  const write = parseWriteQuery(query, 'PatchOptions', patchType);
  checkPatchType(patchType, accepted);
  return write;
}

/** `response` with decoding warnings in front of the ones admission added. */
function withWarnings(response: RenderedResponse, warnings: readonly string[]): RenderedResponse {
  if (warnings.length === 0) return response;
  return { ...response, warnings: [...warnings, ...(response.warnings ?? [])] };
}

/** The 200 answer to an update or patch: the stored object, with the request's warnings first. */
function updatedResponse(
  target: ResourceTarget,
  result: { object: KubeObject; warnings: string[] },
  requestWarnings: readonly string[],
): RenderedResponse {
  return withWarnings(
    {
      code: 200,
      yaml: false,
      body: present(result.object, target.group, target.version),
      warnings: result.warnings,
    },
    requestWarnings,
  );
}

/** DeleteOptions from the query and the optional request body, as the real server reads them. */
async function readDeleteOptions(
  request: IncomingMessage,
  query: URLSearchParams,
): Promise<ReturnType<typeof parseDeleteOptions>> {
  const raw = await readBody(request);
  const body =
    raw.length > 0
      ? decodeObjectBody(
          raw,
          request.headers['content-type'],
          "couldn't get version/kind; json parse error: ",
        )
      : undefined;
  return parseDeleteOptions(query, body);
}
