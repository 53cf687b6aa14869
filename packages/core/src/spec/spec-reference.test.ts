import { fileURLToPath } from 'node:url';
import { tableCell as cell, withGeneratedBlock } from '@switchyard/test-utils';
import { describe, expect, it } from 'vitest';
import {
  declaredSettings,
  defaultDescription,
  type DeclaredNode,
  type FieldNode,
  type GroupNode,
  type ListNode,
} from './field-declaration.js';
import { RELEASE_SPEC_FIELDS } from './release-spec-fields.js';

// The README's table of spec fields, generated from the declaration. When a field changes
// this test fails; regenerate the table with
// `node_modules/.bin/vitest run packages/core/src/spec/spec-reference.test.ts -u` and commit it.
const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));
const START =
  '<!-- spec-reference: generated from packages/core/src/spec/release-spec-fields.ts; regenerate with vitest -u (spec-reference.test.ts) -->';
const END = '<!-- /spec-reference -->';

/** A default as a table cell: constants as code, words as words. */
function defaultCell(node: FieldNode | ListNode): string {
  if (node.node === 'field' && node.required) return 'required';
  const fallback = defaultDescription(node);
  if (fallback === undefined) return '';
  const constant = (node.node === 'field' && node.default !== undefined) || /[<>/:]/.test(fallback);
  return constant ? `\`${cell(fallback)}\`` : cell(fallback);
}

/** One row per field; a list of mappings gets a row, then one per field of its items. */
function rows(root: GroupNode): string[] {
  const row = (path: string, node: FieldNode | ListNode): string => {
    const flags = (node.flags ?? [])
      .filter((flag) => !flag.positional)
      .map((flag) => `\`--${flag.name}\``)
      .join(', ');
    return `| \`${path}\` | ${defaultCell(node)} | ${flags} | ${cell(node.description)} |`;
  };
  return declaredSettings(root).flatMap(({ path, node }) => {
    const name = path.join('.');
    if (node.node === 'field' || node.item.node === 'field') return [row(name, node)];
    const items = Object.entries(node.item.fields).map(([key, child]: [string, DeclaredNode]) =>
      row(`${name}[].${key}`, child as FieldNode | ListNode),
    );
    return [row(name, node), ...items];
  });
}

function table(): string {
  return [
    START,
    '',
    '| field | default | flag | what it is |',
    '| --- | --- | --- | --- |',
    ...rows(RELEASE_SPEC_FIELDS),
    '',
    END,
  ].join('\n');
}

describe('the README table of spec fields', () => {
  it('lists every field with its default and flag, as declared', async () => {
    await expect(await withGeneratedBlock(README, START, END, table())).toMatchFileSnapshot(README);
  });
});
