/**
 * The one place where command-line flags become release spec fields: each flag's value goes
 * to the field that declares it (`spec-flags.ts`). Values are not validated here beyond
 * their syntax: the spec validation reports bad values with their paths
 * (`strategy.steps[1].weight`). Flags written differently from their field (a list of
 * objects as text) have a parser each below; the compiler holds that list to the flags the
 * spec declares as parsed.
 */
import type { ReleaseSpecOverrides } from '@switchyard/core';
import { parseCheckFlag } from './parse-check-flag.js';
import { parseHeaderFlag } from './parse-header-flag.js';
import { parseNumberFlag } from './parse-number-flag.js';
import { parseStepsFlag } from './parse-steps-flag.js';
import {
  SPEC_FLAGS,
  valueKind,
  type ParsedFlagName,
  type SpecFlag,
  type SpecFlags,
} from './spec-flags.js';

export type { SpecFlags } from './spec-flags.js';

/** The items a parsed flag adds to its list. */
type FlagParser = (value: never, flags: SpecFlags) => readonly unknown[];

/** A parser for each flag the spec declares as parsed, by flag name. */
const PARSERS = {
  header: (values: string[]) => values.map((value) => parseHeaderFlag(value, 'exact')),
  'header-prefix': (values: string[]) => values.map((value) => parseHeaderFlag(value, 'prefix')),
  'header-regex': (values: string[]) => values.map((value) => parseHeaderFlag(value, 'regex')),
  steps: (value: string, flags: SpecFlags) => parseStepsFlag(value, flags.bake),
  check: (values: string[]) => values.map(parseCheckFlag),
  // URLs never contain whitespace, so one value (an environment variable) may carry several.
  notify: (values: string[]) =>
    values
      .flatMap((value) => value.split(/\s+/).filter((url) => url !== ''))
      .map((url) => ({ url })),
} satisfies Record<ParsedFlagName, FlagParser>;

/** The value `flag` sets its field to, or its list's items. */
function valueOf(flag: SpecFlag, value: unknown, flags: SpecFlags): unknown {
  const { name, parsed } = flag.declaration;
  if (parsed) return (PARSERS[name as ParsedFlagName] as FlagParser)(value as never, flags);
  const kind = valueKind(flag.setting)?.type;
  if (kind === 'whole' || kind === 'ratio' || kind === 'number') {
    return Array.isArray(value)
      ? value.map((item) => parseNumberFlag(name, item as string))
      : parseNumberFlag(name, value as string);
  }
  return value;
}

/** Sets `value` at `path` in `target`, creating the objects on the way. */
function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  for (const key of path.slice(0, -1)) {
    current[key] ??= {};
    current = current[key] as Record<string, unknown>;
  }
  current[path.at(-1) as string] = value;
}

/** The spec overrides the flags describe. Throws UsageError on flag syntax problems. */
export function specOverridesOf(flags: SpecFlags): ReleaseSpecOverrides {
  const values = new Map<string, unknown>();
  for (const flag of SPEC_FLAGS) {
    const given: unknown = flags[flag.key];
    if (given === undefined) continue;
    const value = valueOf(flag, given, flags);
    const path = flag.setting.path.join('.');
    // The flags of one list add up (`--header` and `--header-prefix`); an empty list is not given.
    const items = Array.isArray(value)
      ? [...((values.get(path) as unknown[] | undefined) ?? []), ...(value as unknown[])]
      : value;
    if (!Array.isArray(items) || items.length > 0) values.set(path, items);
  }
  // With --steps the bake went into the steps; the spec forbids `bake` next to steps.
  if (values.has('strategy.steps')) values.delete('strategy.bake');
  const overrides: Record<string, unknown> = {};
  for (const [path, value] of values) setAt(overrides, path.split('.'), value);
  return overrides;
}
