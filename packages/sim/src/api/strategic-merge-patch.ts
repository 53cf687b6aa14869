/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in types,
 * as kubectl sends it (`kubectl patch`, and `kubectl apply` for built-ins): maps merge,
 * lists with a merge key (containers by name, env by name, container ports by
 * containerPort, conditions by type, ...) merge element-wise, other lists replace.
 * Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>`,
 * `$deleteFromPrimitiveList/<field>`. The merge keys are the ones Kubernetes' Go types
 * declare in their `patchMergeKey` tags, for the fields the simulator's types carry.
 */

/** A malformed strategic merge patch (400 BadRequest). */
export class StrategicMergePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategicMergePatchError';
  }
}

type ListStrategy = { merge: true; key?: string } | { merge: false };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
};

/** How the list at `path` (field names from the root, no indices) merges for `kind`. */
function listStrategy(kind: string, path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (field === 'ports') {
    if (CONTAINER_LISTS.has(parent)) return { merge: true, key: 'containerPort' };
    if (kind === 'Service' && path.length === 2 && parent === 'spec')
      return { merge: true, key: 'port' };
    return { merge: false };
  }
  if (field === 'conditions' && parent === 'status') return { merge: true, key: 'type' };
  if (field === 'finalizers' && parent === 'metadata' && path.length === 2) return { merge: true };
  const key = MERGE_KEYS[field];
  return key ? { merge: true, key } : { merge: false };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/** Applies a strategic merge patch to a copy of `original` (an object of `kind`). */
export function applyStrategicMergePatch(
  original: Record<string, unknown>,
  patch: unknown,
  kind: string,
): Record<string, unknown> {
  if (!isPlainObject(patch)) {
    throw new StrategicMergePatchError('invalid JSON document');
  }
  const merged = mergeMap(structuredClone(original), patch, kind, []);
  return merged ?? {};
}

function mergeMap(
  original: Record<string, unknown> | undefined,
  patch: Record<string, unknown>,
  kind: string,
  path: string[],
): Record<string, unknown> | undefined {
  const directive = patch.$patch;
  if (directive !== undefined) {
    if (directive === 'delete') return undefined;
    if (directive === 'replace')
      return stripDirectives(patch, kind, path) as Record<string, unknown>;
    if (directive !== 'merge') {
      throw new StrategicMergePatchError(
        `Unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`,
      );
    }
  }
  const result: Record<string, unknown> = { ...(original ?? {}) };
  const orders = new Map<string, unknown[]>();
  let retainKeys: string[] | undefined;

  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (key === '$retainKeys') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new StrategicMergePatchError('invalid patch: $retainKeys must be a list of strings');
      }
      retainKeys = value;
      continue;
    }
    if (key.startsWith(SET_ELEMENT_ORDER)) {
      if (!Array.isArray(value))
        throw new StrategicMergePatchError('invalid patch: $setElementOrder must be a list');
      orders.set(key.slice(SET_ELEMENT_ORDER.length), value);
      continue;
    }
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      const field = key.slice(DELETE_FROM_PRIMITIVE_LIST.length);
      if (!Array.isArray(value))
        throw new StrategicMergePatchError(
          'invalid patch: $deleteFromPrimitiveList must be a list',
        );
      const current = result[field];
      if (Array.isArray(current)) {
        result[field] = current.filter((item) => !value.some((v) => v === item));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    const current = result[key];
    if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(current) ? current : undefined, value, kind, childPath);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(current) ? current : [], value, kind, childPath);
    } else {
      result[key] = value;
    }
  }

  for (const [field, order] of orders) {
    const list = result[field];
    if (Array.isArray(list))
      result[field] = applyOrder(list, order, listStrategy(kind, [...path, field]));
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], kind: string, path: string[]): unknown[] {
  const strategy = listStrategy(kind, path);
  if (patch.some((item) => isPlainObject(item) && item.$patch === 'replace')) {
    return patch
      .filter((item) => !(isPlainObject(item) && item.$patch === 'replace'))
      .map((item) => stripDirectives(item, kind, path));
  }
  if (!strategy.merge) return patch.map((item) => stripDirectives(item, kind, path));
  if (strategy.key === undefined) {
    // A primitive list with merge strategy (finalizers) is a union that keeps order.
    const out = [...original];
    for (const item of patch) if (!out.some((existing) => existing === item)) out.push(item);
    return out;
  }
  const key = strategy.key;
  const out = [...original];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      throw new StrategicMergePatchError(
        `invalid patch: list ${path.join('.')} expects objects with merge key ${key}`,
      );
    }
    const keyValue = item[key];
    if (keyValue === undefined) {
      throw new StrategicMergePatchError(
        `map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`,
      );
    }
    const index = out.findIndex(
      (existing) => isPlainObject(existing) && existing[key] === keyValue,
    );
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    const existing = index >= 0 ? out[index] : undefined;
    const merged = mergeMap(isPlainObject(existing) ? existing : undefined, item, kind, path);
    if (merged === undefined) {
      if (index >= 0) out.splice(index, 1);
    } else if (index >= 0) {
      out[index] = merged;
    } else {
      out.push(merged);
    }
  }
  return out;
}

function applyOrder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  if (!strategy.merge) return list;
  const keyOf = (item: unknown): unknown =>
    strategy.key === undefined ? item : isPlainObject(item) ? item[strategy.key] : undefined;
  const orderKeys = order.map(keyOf);
  const listed: unknown[] = [];
  for (const k of orderKeys) {
    const found = list.find((item) => keyOf(item) === k);
    if (found !== undefined) listed.push(found);
  }
  // Elements the patch did not order (added by someone else on the server) follow.
  const unlisted = list.filter((item) => !orderKeys.includes(keyOf(item)));
  return [...listed, ...unlisted];
}

function stripDirectives(value: unknown, kind: string, path: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => stripDirectives(item, kind, path));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    if (child === null) continue;
    out[key] = stripDirectives(child, kind, [...path, key]);
  }
  return out;
}
