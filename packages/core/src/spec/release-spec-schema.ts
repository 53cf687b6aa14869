/**
 * The zod schema of the release spec, built from its declaration (`release-spec-fields.ts`):
 * structure, types, ranges and name formats, each field described for editors with its
 * default. Rules across fields (steps increasing, window vs scrape interval, exactly-one-of,
 * ...) live in `spec-rules.ts`, which sees the whole spec with defaults. Keeping this schema
 * free of transforms, defaults and refinements over objects keeps the JSON Schema generated
 * from it exact, so editors complete and check what switchyard accepts.
 */
import { z } from 'zod';
import {
  describedWithDefault,
  type DeclaredNode,
  type FieldNode,
  type GroupNode,
} from './field-declaration.js';
import { RELEASE_SPEC_FIELDS } from './release-spec-fields.js';
import { leafSchema, unlessMissing } from './schema-fields.js';

/** What editors see of a node: its description with the default, and the default itself. */
function meta(node: DeclaredNode): Record<string, unknown> {
  const described = { description: describedWithDefault(node) };
  if (node.node === 'field' && node.default !== undefined) {
    return { ...described, default: node.default };
  }
  if (node.node === 'group') return { ...described, ...node.constraints };
  return described;
}

/** The schema of a value of `node` (required; the group holding it makes it optional). */
function nodeSchema(node: DeclaredNode): z.ZodType {
  switch (node.node) {
    case 'field':
      return leafSchema(node.kind).meta(meta(node));
    case 'group': {
      const shape: Record<string, z.ZodType> = {};
      for (const [key, child] of Object.entries(node.fields)) {
        shape[key] =
          'required' in child && child.required ? nodeSchema(child) : nodeSchema(child).optional();
      }
      const typeError = node.typeError;
      return z
        .strictObject(shape, typeError ? { error: unlessMissing(() => typeError) } : undefined)
        .meta(meta(node));
    }
    case 'list': {
      const typeError = node.typeError;
      const items = z.array(
        nodeSchema(node.item),
        typeError ? { error: unlessMissing(() => typeError) } : undefined,
      );
      return (node.nonEmpty ? items.min(1, { error: node.nonEmpty }) : items).meta(meta(node));
    }
  }
}

/** `root` with the fields named in `keys` required. */
function requiring(root: GroupNode, keys: readonly string[]): GroupNode {
  const fields: Record<string, DeclaredNode> = { ...root.fields };
  for (const key of keys) fields[key] = { ...(fields[key] as FieldNode), required: true };
  return { ...root, fields };
}

const TITLE = 'switchyard release spec';

/** The spec as library callers pass it: `apiVersion` and `kind` optional. */
export const releaseSpecSchema = nodeSchema(RELEASE_SPEC_FIELDS).meta({ title: TITLE });

/** The spec as a file holds it: `apiVersion` and `kind` required. */
export const releaseSpecFileSchema = nodeSchema(
  requiring(RELEASE_SPEC_FIELDS, ['apiVersion', 'kind']),
).meta({ title: TITLE });
