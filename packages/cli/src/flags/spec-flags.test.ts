import { fileURLToPath } from 'node:url';
import { tableCell as cell, withGeneratedBlock } from '@switchyard/test-utils';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type NumberFlag,
  type ParsedFlagName,
  type SpecFlags,
  helpText,
  isRepeated,
  SPEC_FLAGS,
  SPEC_OPTIONS,
  valueKind,
  type SpecFlag,
} from './spec-flags.js';

// The README's table of flags and the spec fields they set, generated from the spec's
// declaration. When a flag changes this test fails; regenerate the table with
// `node_modules/.bin/vitest run packages/cli/src/flags/spec-flags.test.ts -u` and commit it.
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const START =
  '<!-- spec-flags: generated from the spec declaration; regenerate with vitest -u (spec-flags.test.ts) -->';
const END = '<!-- /spec-flags -->';

/** How the flag is written, with a placeholder for its value: `--sync-timeout 2m`. */
function usage(flag: SpecFlag): string {
  const { declaration, setting } = flag;
  if (declaration.positional) return `\`${declaration.value ?? `<${declaration.name}>`}\``;
  const kind = declaration.parsed ? undefined : valueKind(setting);
  const node = setting.node;
  const value =
    declaration.value ??
    (kind?.type === 'boolean'
      ? ''
      : kind?.type === 'choice'
        ? kind.values.join('|')
        : kind?.type === 'duration'
          ? String(node.node === 'field' ? (node.default ?? 'DURATION') : 'DURATION')
          : kind?.type === 'whole' || kind?.type === 'ratio' || kind?.type === 'number'
            ? 'N'
            : 'VALUE');
  const alias = declaration.alias === undefined ? '' : `-${declaration.alias}, `;
  const written = `${alias}--${declaration.name}${value === '' ? '' : ` ${value}`}`;
  return `\`${cell(written)}\`${isRepeated(flag) ? ' (repeatable)' : ''}`;
}

function table(): string {
  return [
    START,
    '',
    '| flag | spec field | what it sets |',
    '| --- | --- | --- |',
    ...SPEC_FLAGS.map(
      (flag) => `| ${usage(flag)} | \`${flag.setting.path.join('.')}\` | ${cell(helpText(flag))} |`,
    ),
    '',
    END,
  ].join('\n');
}

describe('the spec flags', () => {
  it('hand over the types the declaration says (checked by the compiler)', () => {
    expectTypeOf<SpecFlags['verifyDataplane']>().toEqualTypeOf<NumberFlag | undefined>();
    expectTypeOf<SpecFlags['syncTimeout']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SpecFlags['scaleDownOld']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<SpecFlags['strategy']>().toEqualTypeOf<
      'canary' | 'bluegreen' | 'custom' | undefined
    >();
    expectTypeOf<SpecFlags['syncNamespace']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<SpecFlags['header']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<SpecFlags['steps']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ParsedFlagName>().toEqualTypeOf<
      'header' | 'header-prefix' | 'header-regex' | 'steps' | 'check' | 'notify'
    >();
  });

  it('are options of the right yargs type, one per declared flag', () => {
    const options = SPEC_OPTIONS as Record<
      string,
      { type?: string; array?: boolean; choices?: unknown }
    >;
    expect(Object.keys(options)).toEqual(
      SPEC_FLAGS.filter((flag) => !flag.declaration.positional).map(
        (flag) => flag.declaration.name,
      ),
    );
    expect(options['scale-down-old']?.type).toBe('boolean');
    expect(options['strategy']?.choices).toEqual(['canary', 'bluegreen', 'custom']);
    expect(options['sync-namespace']).toMatchObject({ type: 'string', array: true });
    expect(options['steps']).toMatchObject({ type: 'string' });
    expect(options['steps']?.array).toBeUndefined();
    // Numbers arrive as text, for parseNumberFlag to name a typo.
    expect(options['verify-dataplane']?.type).toBe('string');
  });

  it('say their default in --help as the declaration does', () => {
    const verify = SPEC_FLAGS.find((flag) => flag.declaration.name === 'verify-dataplane');
    expect(helpText(verify as SpecFlag)).toBe(
      'proxies whose Envoy config_dump is checked after each sync [default: 0]',
    );
  });

  it('are listed in the README as declared', async () => {
    await expect(await withGeneratedBlock(README, START, END, table())).toMatchFileSnapshot(README);
  });
});
