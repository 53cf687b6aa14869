/**
 * How a release spec field is declared, once (`release-spec-fields.ts`): what it holds, what
 * it means, its default, and the command-line flag that sets it. Plain data, importing
 * nothing heavy, so the CLI builds its flags from it without loading zod. Everything else
 * derives from the declaration: the zod schema and JSON Schema (`release-spec-schema.ts`),
 * the defaults the resolution and the rules use (`spec-defaults.ts`), the CLI's options
 * and overrides, and the reference tables in the READMEs.
 */
import type { NameRule } from './kubernetes-names.js';

/** What a leaf field holds; `release-spec-schema.ts` has one zod builder per type. */
export type LeafKind =
  /** A duration with units (`500ms`, `1m30s`), never zero. */
  | { readonly type: 'duration' }
  /** A whole number, at least `min` (and at most `max`). */
  | { readonly type: 'whole'; readonly min: number; readonly max?: number }
  /** A share: more than 0, at most 1. */
  | { readonly type: 'ratio' }
  /** Any number (a check threshold). */
  | { readonly type: 'number' }
  /** true or false. */
  | { readonly type: 'boolean' }
  /** A non-empty string. */
  | { readonly type: 'text' }
  /** A Kubernetes-style name following `rule`. */
  | { readonly type: 'name'; readonly rule: NameRule }
  /** One of `values`. */
  | { readonly type: 'choice'; readonly values: readonly string[] }
  /** A path to a file holding a secret. */
  | { readonly type: 'secret-file' }
  /** The name of an environment variable holding a secret. */
  | { readonly type: 'secret-env' }
  /** A lowercase HTTP header name. */
  | { readonly type: 'header-name' }
  /** An in-cluster Service address, `namespace/name:port`. */
  | { readonly type: 'service-address' }
  /** Exactly `true`; `error` says what to do instead of `false`. */
  | { readonly type: 'true'; readonly error: string }
  /** Exactly `value`; `problem` words what is wrong with anything else. */
  | {
      readonly type: 'literal';
      readonly value: string;
      readonly problem: (input: unknown) => string | undefined;
    }
  /** A mapping of strings to strings. */
  | { readonly type: 'string-map' };

/** A duration with units. */
export const DURATION = { type: 'duration' } as const;
/** A non-empty string. */
export const TEXT = { type: 'text' } as const;
/** A whole percentage, 1..100. */
export const PERCENT = { type: 'whole', min: 1, max: 100 } as const;
/** Any number. */
export const NUMBER = { type: 'number' } as const;
/** true or false. */
export const BOOLEAN = { type: 'boolean' } as const;
/** A path to a file holding a secret. */
export const SECRET_FILE = { type: 'secret-file' } as const;
/** The name of an environment variable holding a secret. */
export const SECRET_ENV = { type: 'secret-env' } as const;

/** A Kubernetes-style name following `rule`. */
export const nameKind = (rule: NameRule) => ({ type: 'name', rule }) as const;

/** A whole number, at least `min` (and at most `max`). */
export const wholeKind = <
  const Min extends number,
  const Max extends number | undefined = undefined,
>(
  min: Min,
  max?: Max,
) =>
  (max === undefined ? { type: 'whole', min } : { type: 'whole', min, max }) as {
    readonly type: 'whole';
    readonly min: Min;
    readonly max?: number;
  };

/** One of `values`. */
export const choiceKind = <const V extends string>(values: readonly V[]) =>
  ({ type: 'choice', values }) as const;

/** A value a leaf's default can be. */
export type DefaultValue = string | number | boolean;

/** The command-line flag that sets a field. */
export interface FlagDeclaration {
  /** The flag, kebab-case, without `--` (`verify-dataplane`). Never rename one. */
  readonly name: string;
  /** A one-letter alias (`n`). */
  readonly alias?: string;
  /**
   * Help text when the flag is written differently from the field (`--steps 10,50,100` for
   * a list of steps); undefined: the field's description.
   */
  readonly help?: string;
  /**
   * True when the CLI parses the flag's value with a parser of its own (a list of objects
   * written as text); false or undefined: the value is the field's, as typed.
   */
  readonly parsed?: boolean;
  /**
   * For a list's flag: false when one value holds the whole list (`--steps 10,50,100`);
   * undefined: the flag is repeated, once per item.
   */
  readonly repeatable?: false;
  /** True for the command's positional argument (`<service>`), not an option. */
  readonly positional?: boolean;
  /** How its value is shown in tables (`URL`, `ns/name:port`); undefined: from the field's kind. */
  readonly value?: string;
}

/** A leaf: one value. */
export interface FieldNode {
  readonly node: 'field';
  /** What it holds. */
  readonly kind: LeafKind;
  /** What it means, in one or two sentences ending with a period. */
  readonly description: string;
  /** Its default in the units the spec is written in; undefined: see `defaultText`. */
  readonly default?: DefaultValue;
  /** The default in words when it is not a constant (`the service name`); undefined: none. */
  readonly defaultText?: string;
  /** True when the field must be given. */
  readonly required?: boolean;
  /** The flags that set it; undefined: only the spec file and library options. */
  readonly flags?: readonly FlagDeclaration[];
}

/** Extra JSON Schema constraints of a group, for editors (the rules check them too). */
export interface GroupConstraints {
  /** At least this many fields. */
  readonly minProperties?: number;
  /** At most this many fields. */
  readonly maxProperties?: number;
}

/** A mapping of fields (a spec section, or an item of a list). */
export interface GroupNode {
  readonly node: 'group';
  /** What it is. */
  readonly description: string;
  /** Its fields, in the order editors and tables show them. */
  readonly fields: Readonly<Record<string, DeclaredNode>>;
  /** JSON Schema constraints editors check. */
  readonly constraints?: GroupConstraints;
  /** The message when the value is there but not a mapping; undefined: the shared one. */
  readonly typeError?: string;
}

/** A list. */
export interface ListNode {
  readonly node: 'list';
  /** What it holds. */
  readonly description: string;
  /** Its items. */
  readonly item: FieldNode | GroupNode;
  /** At least one item, with this message when empty; undefined: may be empty. */
  readonly nonEmpty?: string;
  /** The message when the value is there but not a list; undefined: the shared one. */
  readonly typeError?: string;
  /** Default in words (`none`, `found automatically`); undefined: none. */
  readonly defaultText?: string;
  /** True when the list must be given. */
  readonly required?: boolean;
  /** The flags that set it. */
  readonly flags?: readonly FlagDeclaration[];
}

/** Any declared node. */
export type DeclaredNode = FieldNode | GroupNode | ListNode;

/** A leaf field. */
export function field<const F extends Omit<FieldNode, 'node'>>(
  declaration: F,
): F & { readonly node: 'field' } {
  return { node: 'field', ...declaration };
}

/** A group of fields. */
export function group<const F extends Readonly<Record<string, DeclaredNode>>>(
  description: string,
  fields: F,
  options: Omit<GroupNode, 'node' | 'description' | 'fields'> = {},
): { readonly node: 'group'; readonly description: string; readonly fields: F } & Omit<
  GroupNode,
  'node' | 'description' | 'fields'
> {
  return { node: 'group', description, fields, ...options };
}

/** A list of `item`s. */
export function list<
  const I extends FieldNode | GroupNode,
  const D extends Omit<ListNode, 'node' | 'item'>,
>(item: I, declaration: D): D & { readonly node: 'list'; readonly item: I } {
  return { node: 'list', item, ...declaration };
}

/** A leaf or list, where it is in the spec: what tables and the CLI walk over. */
export interface DeclaredSetting {
  /** Keys from the root (`['sync', 'verifyDataplane']`). */
  readonly path: readonly string[];
  /** The declaration. */
  readonly node: FieldNode | ListNode;
}

/**
 * Every leaf and list of `root` (not descending into lists), in declaration order. A list's
 * items are part of the list's value: `strategy.steps` is one setting.
 */
export function declaredSettings(root: GroupNode, path: readonly string[] = []): DeclaredSetting[] {
  return Object.entries(root.fields).flatMap(([key, node]) =>
    node.node === 'group'
      ? declaredSettings(node, [...path, key])
      : [{ path: [...path, key], node }],
  );
}

/** The default of a setting as written in a spec (`2m`, `0`, `true`), or in words; undefined: none. */
export function defaultDescription(node: FieldNode | ListNode): string | undefined {
  if (node.node === 'field' && node.default !== undefined) return String(node.default);
  return node.defaultText;
}

/** The description with its default, as editors show it: `... Default: 2m.` */
export function describedWithDefault(node: DeclaredNode): string {
  const fallback = node.node === 'group' ? undefined : defaultDescription(node);
  return fallback === undefined ? node.description : `${node.description} Default: ${fallback}.`;
}

/** The TypeScript type of a value of kind `K`. */
export type KindValue<K> = K extends { readonly type: 'whole' | 'ratio' | 'number' }
  ? number
  : K extends { readonly type: 'boolean' }
    ? boolean
    : K extends { readonly type: 'choice'; readonly values: readonly (infer V)[] }
      ? V
      : K extends { readonly type: 'true' }
        ? true
        : K extends { readonly type: 'literal'; readonly value: infer V }
          ? V
          : K extends { readonly type: 'string-map' }
            ? Record<string, string>
            : string;

type IsRequired<N> = N extends { readonly required: true } ? true : false;

/** The TypeScript type of what node `N` declares (a spec as written, every choice open). */
export type DeclaredValue<N> = N extends { readonly node: 'field'; readonly kind: infer K }
  ? KindValue<K>
  : N extends { readonly node: 'list'; readonly item: infer I }
    ? DeclaredValue<I>[]
    : N extends { readonly node: 'group'; readonly fields: infer F }
      ? {
          [K in keyof F as IsRequired<F[K]> extends true ? K : never]: DeclaredValue<F[K]>;
        } & {
          [K in keyof F as IsRequired<F[K]> extends true ? never : K]?:
            DeclaredValue<F[K]> | undefined;
        }
      : never;

type DefaultEntry<N, P extends string> = N extends {
  readonly node: 'field';
  readonly kind: infer K;
  readonly default: DefaultValue;
}
  ? { readonly path: P; readonly value: KindValue<K> }
  : N extends { readonly node: 'group'; readonly fields: infer F }
    ? { [K in keyof F & string]: DefaultEntry<F[K], P extends '' ? K : `${P}.${K}`> }[keyof F &
        string]
    : never;

/** The constant defaults of group `G`, by dotted path (`'sync.timeout'`). */
export type DefaultsOf<G> = {
  readonly [E in DefaultEntry<G, ''> as E['path']]: E['value'];
};

/** The constant defaults of `root`, by dotted path (typed by `DefaultsOf`). */
export function defaultsOf(root: GroupNode): Readonly<Record<string, DefaultValue>> {
  const defaults: Record<string, DefaultValue> = {};
  for (const { path, node } of declaredSettings(root)) {
    if (node.node === 'field' && node.default !== undefined)
      defaults[path.join('.')] = node.default;
  }
  return Object.freeze(defaults);
}
