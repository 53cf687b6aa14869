/**
 * How stored objects leave the server: in the API version the client asked for (every
 * served version of a type reads the same stored object), in lists shaped like the real
 * ones (built-in list items carry no apiVersion/kind, custom resource items do), or as
 * metadata only.
 */
import type { KubeObject } from '../store/object-store.js';
import { apiVersionOf, type ResourceType } from '../store/resource-types.js';

/** A shallow copy of `object` presented in `group/version`; the stored object is untouched. */
export function present(object: Readonly<KubeObject>, group: string, version: string): KubeObject {
  return { ...object, apiVersion: apiVersionOf(group, version) };
}

/** List metadata. */
export interface ListMeta {
  /** resourceVersion the list was read at. */
  resourceVersion: string;
  /** Continuation token when more items remain. */
  continue?: string;
  /** Items after this page. */
  remainingItemCount?: number;
}

/** A `<Kind>List` body. */
export function listBody(
  type: ResourceType,
  group: string,
  version: string,
  items: readonly Readonly<KubeObject>[],
  meta: ListMeta,
): Record<string, unknown> {
  const apiVersion = apiVersionOf(group, version);
  return {
    kind: type.listKind,
    apiVersion,
    metadata: meta,
    items: items.map((o) => {
      if (!type.builtin) return { ...o, apiVersion };
      // Typed lists encode items without TypeMeta; only unstructured (custom resource) lists keep it.
      const { apiVersion: _a, kind: _k, ...rest } = o;
      return rest;
    }),
  };
}

/** `PartialObjectMetadata` of one object. */
export function partialObjectMetadata(
  object: Readonly<KubeObject>,
  metaVersion: string,
): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: object.metadata,
  };
}

/** `PartialObjectMetadataList` of objects. */
export function partialObjectMetadataList(
  objects: readonly Readonly<KubeObject>[],
  metaVersion: string,
  meta: ListMeta,
): Record<string, unknown> {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${metaVersion}`,
    metadata: meta,
    items: objects.map((o) => partialObjectMetadata(o, metaVersion)),
  };
}
