/**
 * Field selectors (`?fieldSelector=`), with the field labels the real API server supports
 * per type: `metadata.name` and `metadata.namespace` everywhere, `status.phase` on pods,
 * `involvedObject.*` on events (how `kubectl describe` finds an object's events), ...
 */
import type { KubeObject } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';

/** One `field=value` / `field!=value` term. */
export interface FieldRequirement {
  /** Field label, e.g. `status.phase`. */
  field: string;
  /** True for `!=`. */
  negated: boolean;
  /** Value compared with. */
  value: string;
}

/** A parse or support failure; the API answers 400 BadRequest with this message. */
export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

type FieldGetter = (object: Readonly<KubeObject>) => string | undefined;

function path(...keys: string[]): FieldGetter {
  return (object) => {
    let current: unknown = object;
    for (const key of keys) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[key];
    }
    if (current === undefined || current === null) return undefined;
    return typeof current === 'string' ? current : JSON.stringify(current);
  };
}

const COMMON: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
};

// Only what the real registries' GetAttrs expose; anything else is a 400.
const BUILTIN_FIELDS: Record<string, Record<string, FieldGetter>> = {
  '/pods': {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'spec.hostNetwork': (o) =>
      String((o.spec as { hostNetwork?: boolean } | undefined)?.hostNetwork === true),
    'status.phase': path('status', 'phase'),
    'status.podIP': path('status', 'podIP'),
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  '/events': {
    'involvedObject.kind': path('involvedObject', 'kind'),
    'involvedObject.namespace': path('involvedObject', 'namespace'),
    'involvedObject.name': path('involvedObject', 'name'),
    'involvedObject.uid': path('involvedObject', 'uid'),
    'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
    reason: path('reason'),
    reportingComponent: path('reportingComponent'),
    source: path('source', 'component'),
    type: path('type'),
  },
  '/namespaces': { 'status.phase': path('status', 'phase') },
  '/services': { 'spec.clusterIP': path('spec', 'clusterIP'), 'spec.type': path('spec', 'type') },
  'apps/replicasets': {
    'status.replicas': (o) =>
      String((o.status as { replicas?: number } | undefined)?.replicas ?? 0),
  },
};

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

function splitUnescaped(input: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    if (c === '\\' && i + 1 < input.length) {
      current += c + (input[i + 1] as string);
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Parses `?fieldSelector=` (`fields.ParseSelector`). */
export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    for (const [op, negated] of [
      ['!=', true],
      ['==', false],
      ['=', false],
    ] as const) {
      const at = findUnescaped(term, op);
      if (at >= 0) {
        return {
          field: term.slice(0, at).trim(),
          negated,
          value: unescape(term.slice(at + op.length)),
        };
      }
    }
    throw new FieldSelectorError(`invalid selector: '${input}'; can't understand '${term}'`);
  });
}

function findUnescaped(term: string, op: string): number {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    if (term.startsWith(op, i)) return i;
  }
  return -1;
}

/**
 * Compiles requirements into a predicate for `type`. Throws FieldSelectorError for a
 * field label the type does not support, worded as the real server words it.
 */
export function compileFieldSelector(
  type: ResourceType,
  requirements: readonly FieldRequirement[],
): ((object: Readonly<KubeObject>) => boolean) | undefined {
  if (requirements.length === 0) return undefined;
  const fields = {
    ...COMMON,
    ...(type.builtin ? (BUILTIN_FIELDS[`${type.group}/${type.plural}`] ?? {}) : {}),
  };
  const checks = requirements.map((r) => {
    const getter = fields[r.field];
    if (!getter) {
      throw new FieldSelectorError(
        type.builtin
          ? `field label not supported: ${r.field}`
          : `"${r.field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { getter, r };
  });
  return (object) =>
    checks.every(({ getter, r }) => {
      const actual = getter(object) ?? '';
      return r.negated ? actual !== r.value : actual === r.value;
    });
}
