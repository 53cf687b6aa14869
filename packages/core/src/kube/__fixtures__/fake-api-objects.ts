/**
 * Object semantics of the fake API server: Status bodies, labels, and PATCH
 * (JSON Patch with `test` ops failing as the API server reports it, merge patch).
 */

import { applyJsonPatch } from '../../json-diff/json-patch-apply.js';
import type { JsonPatchOperation } from '../../json-diff/json-patch-operation.js';

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

/**
 * Applies JSON Patch ops with core's applier; throws with the API server's message when
 * one does not apply (`testing value <path> failed: test failed`, ...).
 */
function applyPatch(document: Json, ops: readonly JsonPatchOperation[]): Json {
  const result = applyJsonPatch(document, ops);
  if (result.ok) return result.document as Json;
  const { op, path } = result.operation;
  if (result.reason === 'test-failed') throw new Error(`testing value ${path} failed: test failed`);
  const missing = op === 'replace' ? 'key' : 'path';
  throw new Error(`${op} operation does not apply: doc is missing ${missing}: ${path}`);
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
      return applyPatch(current, body as JsonPatchOperation[]);
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
