/**
 * The JSON Schema of a release spec file, generated from the zod schema so the two cannot
 * disagree. The committed copy (`packages/core/schema/release-spec.schema.json`) is what
 * editors use for completion, e.g. with a first line
 * `# yaml-language-server: $schema=<path or URL of release-spec.schema.json>`.
 * `json-schema.test.ts` fails when the copy is stale; regenerate it with
 * `node_modules/.bin/vitest run packages/core/src/spec/json-schema.test.ts -u`.
 */
import { z } from 'zod';
import { releaseSpecFileSchema } from './release-spec-schema.js';

/** The JSON Schema (draft 2020-12) of a release spec file. A new object on every call. */
export function releaseSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(releaseSpecFileSchema, { target: 'draft-2020-12' });
}
