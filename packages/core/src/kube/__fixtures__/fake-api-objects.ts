/**
 * Object semantics of the fake API server: Status bodies, labels, and PATCH
 * (JSON Patch with `test` ops failing as the API server reports it, merge patch).
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Kinds by the plural resource names the fake serves. */
export const KIND_BY_PLURAL: Record<string, string> = {
  virtualservices: 'VirtualService',
  destinationrules: 'DestinationRule',
  deployments: 'Deployment',
  pods: 'Pod',
  services: 'Service',
  leases: 'Lease',
  events: 'Event',
};

/** A Kubernetes Status body. */
export function status(code: number, reason: string, message: string, details?: Json): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The 409 Conflict answer to a write with a stale resourceVersion. */
export function conflict(resource: string, name: string): [number, unknown] {
  return [
    409,
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, kind: resource.split('.')[0] },
    ),
  ];
}

/** An object's `metadata.labels`. */
export function labelsOf(object: Json): Record<string, string> | undefined {
  return (object.metadata as Json | undefined)?.labels as Record<string, string> | undefined;
}

interface Op {
  op: string;
  path: string;
  value?: unknown;
}

/** Applies JSON Patch ops; throws with the API server's message when one does not apply. */
function applyJsonPatch(document: Json, ops: readonly Op[]): Json {
  const result = structuredClone(document);
  for (const op of ops) {
    const segments = op.path
      .slice(1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = segments.pop() as string;
    let parent: unknown = result;
    for (const segment of segments) {
      const next: unknown = Array.isArray(parent)
        ? parent[Number(segment)]
        : (parent as Json | undefined)?.[segment];
      if (next === undefined)
        throw new Error(`${op.op} operation does not apply: doc is missing path: ${op.path}`);
      parent = next;
    }
    const container = parent as Json | unknown[];
    const exists = Array.isArray(container)
      ? Number(last) < container.length
      : Object.hasOwn(container, last);
    const existing: unknown = Array.isArray(container) ? container[Number(last)] : container[last];
    switch (op.op) {
      case 'test':
        if (!exists || JSON.stringify(existing) !== JSON.stringify(op.value))
          throw new Error(`testing value ${op.path} failed: test failed`);
        break;
      case 'add':
        if (Array.isArray(container))
          container.splice(last === '-' ? container.length : Number(last), 0, op.value);
        else container[last] = op.value;
        break;
      case 'replace':
        if (!exists)
          throw new Error(`replace operation does not apply: doc is missing key: ${op.path}`);
        if (Array.isArray(container)) container[Number(last)] = op.value;
        else container[last] = op.value;
        break;
      case 'remove':
        if (!exists)
          throw new Error(`remove operation does not apply: doc is missing path: ${op.path}`);
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
        break;
      default:
        throw new Error(`unsupported op ${op.op}`);
    }
  }
  return result;
}

/** RFC 7386 merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Json =
    typeof target === 'object' && target !== null && !Array.isArray(target)
      ? { ...(target as Json) }
      : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/**
 * `current` with a PATCH of `contentType` applied (JSON Patch, merge patch, or strategic
 * merge patch treated as a merge patch), or the error answer the API server would give.
 */
export function patchedObject(
  current: Json,
  contentType: string | undefined,
  body: unknown,
  resource: string,
  name: string,
): Json | [number, unknown] {
  const type = contentType;
  if (type === 'application/json-patch+json') {
    try {
      return applyJsonPatch(current, body as Op[]);
    } catch (error) {
      return [
        422,
        {
          ...status(
            422,
            'Invalid',
            'the server rejected our request due to an error in our request',
          ),
          details: {
            causes: [{ reason: 'UnexpectedServerResponse', message: (error as Error).message }],
          },
        },
      ];
    }
  } else if (
    type === 'application/merge-patch+json' ||
    type === 'application/strategic-merge-patch+json'
  ) {
    const patch = body as Json;
    const sent = (patch.metadata as Json | undefined)?.resourceVersion;
    if (sent !== undefined && sent !== (current.metadata as Json).resourceVersion)
      return conflict(resource, name);
    return mergePatch(current, patch) as Json;
  } else {
    return [
      415,
      status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`),
    ];
  }
}

/** The 422 answer to a negative `spec.weight` (the one field validation the fake does). */
export function invalidWeight(
  kind: string,
  group: string,
  name: string,
  weight: number,
): [number, unknown] {
  return [
    422,
    {
      ...status(
        422,
        'Invalid',
        `${kind}.${group} "${name}" is invalid: spec.weight: Invalid value: ${weight}: must be >= 0`,
      ),
      details: {
        name,
        group,
        kind,
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${weight}: must be >= 0`,
            field: 'spec.weight',
          },
        ],
      },
    },
  ];
}
