/**
 * Watches (`?watch=true`): newline-delimited JSON events over a chunked response, as the
 * real server streams them. Initial ADDED events when resourceVersion is unset or "0",
 * resumption from a resourceVersion through the store's history, an ERROR event with a
 * 410 Expired Status when that history no longer reaches back, selectors applied to
 * events (an object leaving the selection is a DELETED, entering it an ADDED), BOOKMARKs
 * when allowed, and `timeoutSeconds`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ObjectStore, StoreEvent } from '../store/object-store.js';
import { apiVersionOf, resourceKey } from '../store/resource-types.js';
import { badRequest, expired, notAcceptable } from './api-status.js';
import {
  negotiateResource,
  RESOURCE_MEDIA_TYPES,
  type ResourceRepresentation,
} from './content-negotiation.js';
import { selectorFilter, type ObjectFilter } from './list-query.js';
import { partialObjectMetadata, present } from './object-presentation.js';
import type { ResourceTarget } from './request-target.js';
import { toTable, type IncludeObject } from './table-convertor.js';

/** Options of the watch server. */
export interface WatchOptions {
  /** Interval between BOOKMARK events on watches that allow them; the real server uses about a minute. */
  bookmarkIntervalMs: number;
  /** Timeout of watches that give no `timeoutSeconds`. */
  defaultTimeoutSeconds: number;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Serves watch requests and tracks the open ones so `stop()` can end them. */
export class WatchServer {
  readonly #store: ObjectStore;
  readonly #options: WatchOptions;
  readonly #open = new Set<() => void>();

  constructor(store: ObjectStore, options: WatchOptions) {
    this.#store = store;
    this.#options = options;
  }

  /** Ends every open watch, as a server shutdown does. */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }

  /**
   * Validates the watch and starts streaming. Throws an ApiStatusError (before anything
   * is written) for bad requests; everything after the 200 is sent as events.
   */
  serve(
    request: IncomingMessage,
    response: ServerResponse,
    target: ResourceTarget,
    query: URLSearchParams,
  ): void {
    const representation = negotiateResource(request.headers.accept, true);
    if (!representation) throw notAcceptable(RESOURCE_MEDIA_TYPES);
    const namespace = target.namespace;
    const selector = selectorFilter(target.type, query);
    // The legacy /watch/<resource>/<name> path watches one object.
    const byName: ObjectFilter | undefined =
      target.name !== undefined ? (o) => o.metadata.name === target.name : undefined;
    const filter: ObjectFilter = (o) =>
      (namespace === undefined || !target.type.namespaced || o.metadata.namespace === namespace) &&
      (byName === undefined || byName(o)) &&
      (selector === undefined || selector(o));
    const includeObject = (query.get('includeObject') ?? 'Metadata') as IncludeObject;
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    const timeoutRaw = query.get('timeoutSeconds');
    const timeoutSeconds =
      timeoutRaw === null || timeoutRaw === ''
        ? this.#options.defaultTimeoutSeconds
        : Number(timeoutRaw);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)
      throw badRequest(`invalid timeoutSeconds: ${timeoutRaw ?? ''}`);

    const rvRaw = query.get('resourceVersion') ?? '';
    let backlog: StoreEvent[] | undefined = [];
    let initial: Readonly<KubeObject>[] = [];
    if (rvRaw === '' || rvRaw === '0' || sendInitialEvents) {
      initial = this.#store.peekAll(target.type, namespace, filter);
    } else {
      if (!/^\d+$/.test(rvRaw)) throw badRequest(`invalid resource version: ${rvRaw}`);
      backlog = this.#store.eventsSince(Number(rvRaw));
    }

    response.writeHead(200, {
      'Content-Type':
        representation.kind === 'table'
          ? `application/json;as=Table;v=${representation.version};g=meta.k8s.io`
          : 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    response.flushHeaders();

    const typeKey = resourceKey(target.type);
    const send = (type: WatchEventType, object: unknown): void => {
      if (!response.writableEnded && !response.destroyed)
        response.write(`${JSON.stringify({ type, object })}\n`);
    };
    const render = (object: Readonly<KubeObject>): unknown => {
      const presented = present(object, target.group, target.version);
      return this.#render(representation, target, presented, includeObject);
    };
    const bookmark = (annotations?: Record<string, string>): void => {
      send('BOOKMARK', {
        kind: target.type.kind,
        apiVersion: apiVersionOf(target.group, target.version),
        metadata: {
          resourceVersion: String(this.#store.currentResourceVersion()),
          ...(annotations ? { annotations } : {}),
        },
      });
    };

    if (backlog === undefined) {
      // A watch cannot resume from before the history: one ERROR event, then the end.
      const oldest = this.#store.oldestResumableResourceVersion() + 1;
      send('ERROR', expired(`too old resource version: ${rvRaw} (${oldest})`).status);
      response.end();
      return;
    }

    const deliver = (event: StoreEvent): void => {
      if (resourceKey(event.resource) !== typeKey) return;
      const now = filter(event.object);
      const before = event.oldObject !== undefined && filter(event.oldObject);
      switch (event.type) {
        case 'ADDED':
          if (now) send('ADDED', render(event.object));
          break;
        case 'MODIFIED':
          if (now && before) send('MODIFIED', render(event.object));
          else if (now) send('ADDED', render(event.object));
          else if (before && event.oldObject) {
            const left = {
              ...event.oldObject,
              metadata: {
                ...event.oldObject.metadata,
                resourceVersion: event.object.metadata.resourceVersion,
              },
            };
            send('DELETED', render(left));
          }
          break;
        case 'DELETED':
          if (now || before) send('DELETED', render(event.object));
          break;
      }
    };

    for (const object of initial) send('ADDED', render(object));
    if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    for (const event of backlog) deliver(event);
    const unsubscribe = this.#store.subscribe(deliver);

    const timers: NodeJS.Timeout[] = [];
    let interval: NodeJS.Timeout | undefined;
    const close = (): void => {
      if (!this.#open.delete(close)) return;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      clearInterval(interval);
      if (!response.writableEnded) response.end();
    };
    this.#open.add(close);
    request.on('close', close);
    response.on('close', close);
    if (timeoutSeconds > 0) {
      timers.push(setTimeout(close, timeoutSeconds * 1000));
      if (bookmarks && timeoutSeconds > 2) {
        // Like the watch cache, a bookmark shortly before the deadline lets clients resume where they were.
        timers.push(setTimeout(() => bookmark(), (timeoutSeconds - 2) * 1000));
      }
    }
    if (bookmarks) interval = setInterval(() => bookmark(), this.#options.bookmarkIntervalMs);
  }

  #render(
    representation: ResourceRepresentation,
    target: ResourceTarget,
    object: KubeObject,
    includeObject: IncludeObject,
  ): unknown {
    switch (representation.kind) {
      case 'table':
        return toTable(target.type, [object], {
          version: target.version,
          tableVersion: representation.version,
          includeObject,
          resourceVersion: object.metadata.resourceVersion,
        });
      case 'metadata':
        return partialObjectMetadata(object, representation.version);
      default:
        return object;
    }
  }
}
