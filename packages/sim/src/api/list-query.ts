/**
 * The query of LIST and WATCH: label and field selectors compiled into one predicate, and
 * `limit`/`continue` paging with opaque continue tokens like the real server's (base64 of
 * the list's resourceVersion and the key to resume after).
 */
import type { KubeObject } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { badRequest } from './api-status.js';
import { compileFieldSelector, FieldSelectorError, parseFieldSelector } from './field-selector.js';
import {
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector,
} from '../go-faithful/label-selector.js';

/** Predicate over stored objects. */
export type ObjectFilter = (object: Readonly<KubeObject>) => boolean;

/** Compiles `labelSelector` and `fieldSelector` for `type`; 400 on malformed or unsupported selectors. */
export function selectorFilter(
  type: ResourceType,
  query: URLSearchParams,
): ObjectFilter | undefined {
  let labelFilter: ObjectFilter | undefined;
  let fieldFilter: ObjectFilter | undefined;
  try {
    const labels = parseLabelSelector(query.get('labelSelector') ?? '');
    if (labels.length > 0) labelFilter = (o) => matchesLabels(labels, o.metadata.labels);
    fieldFilter = compileFieldSelector(type, parseFieldSelector(query.get('fieldSelector') ?? ''));
  } catch (error) {
    if (error instanceof LabelSelectorError || error instanceof FieldSelectorError)
      throw badRequest(error.message);
    throw error;
  }
  if (labelFilter && fieldFilter) {
    const l = labelFilter;
    const f = fieldFilter;
    return (o) => l(o) && f(o);
  }
  return labelFilter ?? fieldFilter;
}

interface ContinueToken {
  rv: number;
  start: { namespace: string; name: string };
}

/** Encodes where the next page starts. */
export function encodeContinue(resourceVersion: string, last: Readonly<KubeObject>): string {
  const token = {
    v: 'meta.k8s.io/v1',
    rv: Number(resourceVersion),
    start: { namespace: last.metadata.namespace ?? '', name: last.metadata.name },
  };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(
      Buffer.from(token, 'base64url').toString('utf8'),
    ) as Partial<ContinueToken>;
    if (
      typeof parsed.rv === 'number' &&
      typeof parsed.start?.name === 'string' &&
      typeof parsed.start.namespace === 'string'
    ) {
      return parsed as ContinueToken;
    }
  } catch {
    // Reported below.
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

// The store's order: namespace, then name, by localeCompare.
function compareKey(
  object: Readonly<KubeObject>,
  key: { namespace: string; name: string },
): number {
  const ns = object.metadata.namespace ?? '';
  return ns === key.namespace
    ? object.metadata.name.localeCompare(key.name)
    : ns.localeCompare(key.namespace);
}

/** One page of a sorted list. */
export interface ListPage {
  /** Items of this page. */
  items: readonly Readonly<KubeObject>[];
  /** resourceVersion of the list (the first page's for continued lists). */
  resourceVersion: string;
  /** Token for the next page; undefined on the last page. */
  continueToken?: string;
  /** Items after this page; undefined on the last page. */
  remainingItemCount?: number;
}

/** Applies `limit` and `continue` to `sorted` (the store's order). */
export function paginate(
  sorted: readonly Readonly<KubeObject>[],
  query: URLSearchParams,
  currentResourceVersion: string,
): ListPage {
  const limitRaw = query.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? 0 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${limitRaw ?? ''}`);
  const continueRaw = query.get('continue');
  let start = 0;
  let resourceVersion = currentResourceVersion;
  if (continueRaw) {
    const token = decodeContinue(continueRaw);
    resourceVersion = String(token.rv);
    // Binary search the first key after the token's: the list is sorted by that key.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKey(sorted[mid] as Readonly<KubeObject>, token.start) <= 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const end = limit > 0 ? Math.min(sorted.length, start + limit) : sorted.length;
  const items = start === 0 && end === sorted.length ? sorted : sorted.slice(start, end);
  const remaining = sorted.length - end;
  if (limit > 0 && remaining > 0) {
    return {
      items,
      resourceVersion,
      continueToken: encodeContinue(resourceVersion, sorted[end - 1] as Readonly<KubeObject>),
      remainingItemCount: remaining,
    };
  }
  return { items, resourceVersion };
}
