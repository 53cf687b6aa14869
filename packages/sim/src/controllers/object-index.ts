/**
 * An informer-style cache of one resource type, kept in step with the store by its change
 * events: objects by namespace/name, by controlling owner uid, by namespace, and (when
 * asked) by namespace + label so a selector lookup touches only candidate objects. It holds
 * the store's own objects (never mutated) so reads cost nothing.
 */
import type { KubeObject } from '../store/object-store.js';
import { labelsEqual } from '../go-faithful/label-selector.js';

/** `namespace/name`. */
export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Splits `namespace/name`. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The uid of the owner reference with `controller: true`, if any. */
export function controllerUid(object: Readonly<KubeObject>): string | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true)?.uid;
}

/** True when two owner reference lists name the same owners the same way. */
export function ownerReferencesEqual(a: Readonly<KubeObject>, b: Readonly<KubeObject>): boolean {
  const x = a.metadata.ownerReferences ?? [];
  const y = b.metadata.ownerReferences ?? [];
  return (
    x.length === y.length &&
    x.every((ref, i) => ref.uid === y[i]?.uid && ref.controller === y[i]?.controller)
  );
}

function addTo<K>(map: Map<K, Set<string>>, key: K, value: string): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function removeFrom<K>(map: Map<K, Set<string>>, key: K, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

/** Cache of one resource type. */
export class ObjectIndex<T extends KubeObject = KubeObject> {
  readonly #byKey = new Map<string, T>();
  readonly #byController = new Map<string, Set<string>>();
  readonly #byNamespace = new Map<string, Set<string>>();
  // namespace -> keys of objects without a controlling owner
  readonly #orphans = new Map<string, Set<string>>();
  // namespace -> "label=value" -> keys
  readonly #byLabel = new Map<string, Map<string, Set<string>>>();
  readonly #indexLabels: boolean;

  constructor(options: { indexLabels?: boolean } = {}) {
    this.#indexLabels = options.indexLabels ?? false;
  }

  /** Records the current version of an object. */
  upsert(object: Readonly<KubeObject>): void {
    const obj = object as T;
    const key = objectKey(obj.metadata.namespace, obj.metadata.name);
    const previous = this.#byKey.get(key);
    this.#byKey.set(key, obj);
    const ns = obj.metadata.namespace ?? '';
    if (!previous) addTo(this.#byNamespace, ns, key);
    const oldController = previous ? controllerUid(previous) : undefined;
    const newController = controllerUid(obj);
    if (oldController !== newController || !previous) {
      if (oldController) removeFrom(this.#byController, oldController, key);
      else if (previous) removeFrom(this.#orphans, ns, key);
      if (newController) addTo(this.#byController, newController, key);
      else addTo(this.#orphans, ns, key);
    }
    if (
      this.#indexLabels &&
      !(previous && labelsEqual(previous.metadata.labels, obj.metadata.labels))
    ) {
      if (previous) this.#unpostLabels(key, ns, previous.metadata.labels);
      this.#postLabels(key, ns, obj.metadata.labels);
    }
  }

  /** Forgets an object. */
  remove(object: Readonly<KubeObject>): void {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const previous = this.#byKey.get(key);
    if (!previous) return;
    this.#byKey.delete(key);
    const ns = previous.metadata.namespace ?? '';
    removeFrom(this.#byNamespace, ns, key);
    const controller = controllerUid(previous);
    if (controller) removeFrom(this.#byController, controller, key);
    else removeFrom(this.#orphans, ns, key);
    if (this.#indexLabels) this.#unpostLabels(key, ns, previous.metadata.labels);
  }

  /** Forgets everything. */
  clear(): void {
    this.#byKey.clear();
    this.#byController.clear();
    this.#byNamespace.clear();
    this.#orphans.clear();
    this.#byLabel.clear();
  }

  /** The object at `namespace/name`. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.#byKey.get(objectKey(namespace, name));
  }

  /** The object at a key. */
  getByKey(key: string): T | undefined {
    return this.#byKey.get(key);
  }

  /** Number of objects. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Every object. */
  all(): IterableIterator<T> {
    return this.#byKey.values();
  }

  /** Objects whose controlling owner has this uid. */
  controlledBy(uid: string): T[] {
    return this.#collect(this.#byController.get(uid));
  }

  /** Number of objects whose controlling owner has this uid. */
  countControlledBy(uid: string): number {
    return this.#byController.get(uid)?.size ?? 0;
  }

  /** Objects in a namespace without a controlling owner. */
  orphansIn(namespace: string): T[] {
    return this.#collect(this.#orphans.get(namespace));
  }

  /** Objects in a namespace. */
  inNamespace(namespace: string): T[] {
    return this.#collect(this.#byNamespace.get(namespace));
  }

  /**
   * Objects in `namespace` carrying every key/value of `labels`. Needs `indexLabels`; looks
   * only at the smallest posting list among the pairs.
   */
  withLabels(namespace: string, labels: Readonly<Record<string, string>>): T[] {
    const pairs = Object.entries(labels);
    if (pairs.length === 0) return this.inNamespace(namespace);
    const postings = this.#byLabel.get(namespace);
    if (!postings) return [];
    let smallest: Set<string> | undefined;
    for (const [k, v] of pairs) {
      const set = postings.get(`${k}=${v}`);
      if (!set) return [];
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    const out: T[] = [];
    for (const key of smallest ?? []) {
      const object = this.#byKey.get(key);
      if (!object) continue;
      const have = object.metadata.labels ?? {};
      if (pairs.every(([k, v]) => have[k] === v)) out.push(object);
    }
    return out;
  }

  #collect(keys: Set<string> | undefined): T[] {
    const out: T[] = [];
    for (const key of keys ?? []) {
      const object = this.#byKey.get(key);
      if (object) out.push(object);
    }
    return out;
  }

  #postLabels(key: string, namespace: string, labels: Record<string, string> | undefined): void {
    if (!labels) return;
    let postings = this.#byLabel.get(namespace);
    if (!postings) {
      postings = new Map();
      this.#byLabel.set(namespace, postings);
    }
    for (const [k, v] of Object.entries(labels)) addTo(postings, `${k}=${v}`, key);
  }

  #unpostLabels(key: string, namespace: string, labels: Record<string, string> | undefined): void {
    const postings = this.#byLabel.get(namespace);
    if (!postings || !labels) return;
    for (const [k, v] of Object.entries(labels)) removeFrom(postings, `${k}=${v}`, key);
    if (postings.size === 0) this.#byLabel.delete(namespace);
  }
}
