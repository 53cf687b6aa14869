/**
 * The flags that set release spec fields, built from the spec's own declaration
 * (`@switchyard/core/spec-fields`, plain data: no zod on the `--help` path). Every flag a
 * field declares is an option of every command that reads a spec, as `-f` is, so a
 * pipeline passes the same flags to each of its steps; each command uses the fields it
 * needs. Their names, help texts, value types and the fields they set all come from the
 * declaration, so a flag cannot drift from the library.
 */
import {
  declaredSettings,
  defaultDescription,
  RELEASE_SPEC_FIELDS,
  type DeclaredSetting,
  type FlagDeclaration,
  type LeafKind,
} from '@switchyard/core/spec-fields';
import type { Options } from 'yargs';

type Declaration = typeof RELEASE_SPEC_FIELDS;

/** `verify-dataplane` → `verifyDataplane` (yargs hands flags over camel-cased). */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** `verify-dataplane` → `verifyDataplane`. */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A numeric flag as typed: a string, parsed by `parseNumberFlag` so a typo is named. */
export type NumberFlag = string | number;

type LeafFlagValue<K> = K extends { readonly type: 'whole' | 'ratio' | 'number' }
  ? NumberFlag
  : K extends { readonly type: 'boolean' }
    ? boolean
    : K extends { readonly type: 'choice'; readonly values: readonly (infer V)[] }
      ? V
      : string;

type ListFlagValue<I, F> = F extends { readonly repeatable: false }
  ? string
  : F extends { readonly parsed: true }
    ? string[]
    : I extends { readonly kind: infer K }
      ? LeafFlagValue<K>[]
      : never;

type IsParsed<F> = F extends { readonly parsed: true } ? true : false;

/** The value yargs hands over for flag `F` of node `N`. */
type FlagValue<N, F> = N extends { readonly node: 'list'; readonly item: infer I }
  ? ListFlagValue<I, F>
  : N extends { readonly kind: infer K }
    ? IsParsed<F> extends true
      ? string
      : LeafFlagValue<K>
    : never;

/** Each declared flag: its name, the value yargs hands over, whether the CLI parses it. */
type FlagEntry<N> = N extends {
  readonly node: 'field' | 'list';
  readonly flags: readonly (infer F)[];
}
  ? F extends { readonly name: infer Name extends string }
    ? { name: Name; value: FlagValue<N, F>; parsed: IsParsed<F> }
    : never
  : N extends { readonly node: 'group'; readonly fields: infer Fields }
    ? { [K in keyof Fields]: FlagEntry<Fields[K]> }[keyof Fields]
    : never;

type Entry = FlagEntry<Declaration>;

/** Every flag that sets a release spec field, as yargs hands them over (camel-cased). */
export type SpecFlags = {
  [E in Entry as CamelCase<E['name']>]?: E['value'] | undefined;
};

/** The flags whose values the CLI parses itself (`--steps`, `--check`, ...). */
export type ParsedFlagName = Extract<Entry, { parsed: true }>['name'];

/** One declared flag and the field (or list) it sets. */
export interface SpecFlag {
  /** The flag as declared. */
  readonly declaration: FlagDeclaration;
  /** The field it sets. */
  readonly setting: DeclaredSetting;
  /** Its key in yargs' arguments (`verifyDataplane`). */
  readonly key: keyof SpecFlags;
}

/** Every flag the spec declares, in declaration order. */
export const SPEC_FLAGS: readonly SpecFlag[] = declaredSettings(RELEASE_SPEC_FIELDS).flatMap(
  (setting) =>
    (setting.node.flags ?? []).map((declaration) => ({
      declaration,
      setting,
      key: camelCase(declaration.name) as keyof SpecFlags,
    })),
);

/** The `--help` group of each section's flags. */
const GROUPS: Record<keyof Declaration['fields'], string> = {
  apiVersion: 'Cluster and spec:',
  kind: 'Cluster and spec:',
  service: 'Cluster and spec:',
  namespace: 'Cluster and spec:',
  target: 'Deploy:',
  deploy: 'Deploy:',
  strategy: 'Release strategy:',
  onResume: 'Release strategy:',
  checks: 'Checks (Prometheus):',
  prometheus: 'Checks (Prometheus):',
  sync: 'Proxy sync:',
  rollback: 'Rollback:',
  lock: 'Lock:',
  preflight: 'Preflight:',
  notify: 'Notifications:',
};

/** The kind of the values a setting holds (a list's items'); undefined: items are objects. */
export function valueKind(setting: DeclaredSetting): LeafKind | undefined {
  const { node } = setting;
  if (node.node === 'field') return node.kind;
  return node.item.node === 'field' ? node.item.kind : undefined;
}

/** True when the flag is given once per item of its list. */
export function isRepeated(flag: SpecFlag): boolean {
  return flag.setting.node.node === 'list' && flag.declaration.repeatable !== false;
}

// Names that keep their capital at the start of a help text.
const PROPER = /^(Prometheus|Envoy|Istio|Kubernetes|HTTP|PromQL|DestinationRule|VirtualService)\b/;

/** `--help` text: the flag's own, else the field's description with its default. */
export function helpText(flag: SpecFlag): string {
  if (flag.declaration.help !== undefined) return flag.declaration.help;
  const { node } = flag.setting;
  const sentence = node.description.replace(/\.$/, '');
  const text = PROPER.test(sentence) ? sentence : sentence[0]?.toLowerCase() + sentence.slice(1);
  const fallback = defaultDescription(node);
  const repeat = isRepeated(flag) ? ' (repeatable)' : '';
  return `${text}${repeat}${fallback === undefined ? '' : ` [default: ${fallback}]`}`;
}

/** The yargs option of a flag. */
function optionOf(flag: SpecFlag): Options {
  const { declaration } = flag;
  const kind = declaration.parsed ? undefined : valueKind(flag.setting);
  const option: Options = {
    group: GROUPS[flag.setting.path[0] as keyof typeof GROUPS],
    describe: helpText(flag),
    ...(declaration.alias === undefined ? {} : { alias: declaration.alias }),
  };
  if (isRepeated(flag)) return { ...option, type: 'string', array: true };
  if (kind?.type === 'boolean') return { ...option, type: 'boolean' };
  if (kind?.type === 'choice') return { ...option, choices: kind.values };
  // Numbers too: parseNumberFlag names the flag when the value is not one.
  return { ...option, type: 'string' };
}

/** The yargs option type that hands over a value of type `V`. */
type OptionFor<V> = [V] extends [boolean]
  ? { type: 'boolean' }
  : [V] extends [string[]]
    ? { type: 'string'; array: true }
    : [V] extends [NumberFlag]
      ? [NumberFlag] extends [V]
        ? { type: 'string' }
        : string extends V
          ? { type: 'string' }
          : { choices: readonly V[] }
      : { type: 'string' };

/** The spec flags' yargs options, typed so yargs hands over `SpecFlags`. */
export type SpecOptions = {
  [E in Entry as E['name'] extends 'service' ? never : E['name']]: Options & OptionFor<E['value']>;
};

/** Every spec flag as a yargs option (the positional `<service>` aside). */
export const SPEC_OPTIONS = Object.fromEntries(
  SPEC_FLAGS.filter((flag) => !flag.declaration.positional).map((flag) => [
    flag.declaration.name,
    optionOf(flag),
  ]),
) as SpecOptions;
