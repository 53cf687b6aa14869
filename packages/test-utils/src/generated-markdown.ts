/** Markdown files with a block that a test generates from code (a reference table). */
import { readFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';

/**
 * What `file` should hold: its text with the block between the `start` and `end` marker
 * lines replaced by `block` (markers included in `block`), formatted as the repository
 * formats Markdown. Compare it with `toMatchFileSnapshot(file)`, so `vitest -u` rewrites it.
 *
 * @throws when the file has no `start` marker.
 */
export async function withGeneratedBlock(
  file: string,
  start: string,
  end: string,
  block: string,
): Promise<string> {
  const text = await readFile(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${file} has no ${start} ... ${end} block`);
  const replaced = text.slice(0, from) + block + text.slice(to + end.length);
  const config = (await resolveConfig(file)) ?? {};
  return format(replaced, { ...config, parser: 'markdown' });
}

/** `text` as a Markdown table cell: pipes escaped, on one line. */
export const tableCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
