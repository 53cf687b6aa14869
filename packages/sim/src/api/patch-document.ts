/**
 * Applies a PATCH body by its Content-Type: JSON Patch, JSON Merge Patch, and strategic
 * merge patch (built-in types only: custom resources answer 415, as on a real server).
 * Server-side apply is not simulated, so `application/apply-patch+yaml` is a 415 too (after
 * the options check that makes a missing field manager a 422 on both).
 */
import type { FieldValidation } from '../store/admission.js';
import type { ResourceType } from '../store/resource-types.js';
import {
  badRequest,
  genericServerResponse,
  requestEntityTooLarge,
  unsupportedMediaType,
} from './api-status.js';
import {
  applyJsonPatch,
  decodeJsonPatch,
  JsonPatchApplyError,
  JsonPatchDecodeError,
  MAX_JSON_PATCH_OPERATIONS,
} from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { goJsonKind } from './json-syntax.js';
import { decodePatchBody, mediaType } from './request-body.js';
import { applyStrategicMergePatch, StrategicMergePatchError } from './strategic-merge-patch.js';

type Json = Record<string, unknown>;

/** Patch media types. */
export const PatchMediaType = {
  /** RFC 6902. */
  JsonPatch: 'application/json-patch+json',
  /** RFC 7386. */
  MergePatch: 'application/merge-patch+json',
  /** Kubernetes strategic merge patch. */
  StrategicMergePatch: 'application/strategic-merge-patch+json',
} as const;

/**
 * Server-side apply's media types. The real server serves them for every type; the
 * simulator does not (415), but checks their options first, as the real server does.
 */
export function isApplyPatch(type: string): boolean {
  return type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor';
}

/** The patch types a type accepts, in the order the 415 message lists them. */
export function acceptedPatchTypes(type: Pick<ResourceType, 'builtin'>): string[] {
  return type.builtin
    ? [PatchMediaType.JsonPatch, PatchMediaType.MergePatch, PatchMediaType.StrategicMergePatch]
    : [PatchMediaType.JsonPatch, PatchMediaType.MergePatch];
}

/** Throws 415 unless `contentType` is one of `accepted`. */
export function checkPatchType(contentType: string | undefined, accepted: readonly string[]): void {
  if (!accepted.includes(mediaType(contentType))) throw unsupportedMediaType([...accepted]);
}

/**
 * Applies `body` to `current` (neither is modified). `kind` selects the strategic merge
 * keys. Throws the Status errors the real server sends: 400 for malformed patches, 422
 * for JSON Patch operations that do not apply.
 */
export function applyPatchDocument(
  contentType: string | undefined,
  kind: string,
  current: Json,
  body: Buffer,
  fieldValidation: FieldValidation,
): Json {
  const patchType = mediaType(contentType);
  const strict = fieldValidation !== 'Ignore';
  const patch = decodePatchBody(body, patchType, fieldValidation);
  switch (patchType) {
    case PatchMediaType.JsonPatch: {
      let operations;
      try {
        operations = decodeJsonPatch(patch, strict, body.toString('utf8'));
      } catch (error) {
        if (error instanceof JsonPatchDecodeError) throw badRequest(error.message);
        throw error;
      }
      if (operations.length > MAX_JSON_PATCH_OPERATIONS)
        throw requestEntityTooLarge(
          `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`,
        );
      let result: unknown;
      try {
        result = applyJsonPatch(current, operations);
      } catch (error) {
        if (error instanceof JsonPatchApplyError) throw genericServerResponse(422);
        throw error;
      }
      if (result === null || typeof result !== 'object' || Array.isArray(result)) {
        throw genericServerResponse(422);
      }
      return result as Json;
    }
    case PatchMediaType.MergePatch: {
      if (patch === null) return current;
      if (typeof patch !== 'object' || Array.isArray(patch)) {
        throw badRequest(
          `error decoding patch: json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`,
        );
      }
      return applyMergePatch(current, patch) as Json;
    }
    case PatchMediaType.StrategicMergePatch: {
      if (patch === null) return current;
      if (typeof patch !== 'object' || Array.isArray(patch)) {
        throw badRequest(
          `json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`,
        );
      }
      try {
        return applyStrategicMergePatch(current, patch, kind);
      } catch (error) {
        if (error instanceof StrategicMergePatchError) throw badRequest(error.message);
        throw error;
      }
    }
    default:
      throw unsupportedMediaType([PatchMediaType.JsonPatch, PatchMediaType.MergePatch]);
  }
}
