/**
 * Every flag that is not a release spec field, in one typed list: where the cluster is, the
 * spec file, the lock holder, preflight skips, and the output form. `option` names the
 * library runtime option a flag sets (`RuntimeOptions`); the compiler holds the list to
 * those options, so each one the CLI can set has its flag. Flags without an `option` are the
 * CLI's own (output).
 */
import type { RuntimeOptions } from '@switchyard/core';
import type { InferredOptionType, Options } from 'yargs';
import { camelCase, type CamelCase } from './spec-flags.js';

const CLUSTER = 'Cluster and spec:';
const OUTPUT = 'Output:';
const PREFLIGHT = 'Preflight:';

/** A runtime flag: the library option it sets, which commands take it, and its yargs option. */
interface RuntimeFlag extends Options {
  /** The library option it sets; undefined: the CLI's own. */
  readonly option: keyof RuntimeOptions | undefined;
  /** `every` command, or only those that read a release `spec`. */
  readonly on: 'every' | 'spec';
}

/** The runtime flags. */
export const RUNTIME_FLAGS = {
  kubeconfig: {
    option: 'kubeconfig',
    on: 'every',
    type: 'string',
    group: CLUSTER,
    describe: 'kubeconfig file [default: $KUBECONFIG, ~/.kube/config, or in-cluster]',
  },
  context: {
    option: 'context',
    on: 'every',
    type: 'string',
    group: CLUSTER,
    describe: 'kubeconfig context [default: current]',
  },
  file: {
    option: 'file',
    on: 'every',
    alias: 'f',
    type: 'string',
    group: CLUSTER,
    describe: 'release spec file (YAML); flags override its fields',
  },
  holder: {
    option: 'holderIdentity',
    on: 'every',
    type: 'string',
    group: CLUSTER,
    describe: 'lock holder identity [default: the CI run id, else host and pid]',
  },
  'skip-check': {
    option: 'skipChecks',
    on: 'spec',
    type: 'string',
    array: true,
    group: PREFLIGHT,
    describe:
      'leave out a preflight check on purpose, by id (repeatable; also preflight.skip in the spec); the skip is printed. deploy, release and doctor run the checks',
  },
  output: {
    option: undefined,
    on: 'every',
    alias: 'o',
    choices: ['text', 'json'] as const,
    group: OUTPUT,
    describe: 'text, or json: JSON Lines (one event per line, then the summary)',
  },
  color: {
    option: undefined,
    on: 'every',
    type: 'boolean',
    group: OUTPUT,
    describe: 'colours on a terminal (--no-color or NO_COLOR turns them off)',
  },
  quiet: {
    option: undefined,
    on: 'every',
    alias: 'q',
    type: 'boolean',
    group: OUTPUT,
    describe: 'no progress, only the result',
  },
} as const satisfies Record<string, RuntimeFlag>;

type Flags = typeof RUNTIME_FLAGS;

// Every runtime option a command line can carry has its flag (the rest are callbacks).
type Settable = Exclude<keyof RuntimeOptions, 'onEvent' | 'signal' | 'clock'>;
type WithoutFlag = Exclude<Settable, Flags[keyof Flags]['option']>;
const everyOptionHasAFlag: [WithoutFlag] extends [never] ? true : false = true;
void everyOptionHasAFlag;

/** The runtime flags as yargs hands them over (camel-cased). */
export type RuntimeFlags = {
  [K in keyof Flags as CamelCase<K>]?: InferredOptionType<Flags[K]>;
};

type YargsOptions<On> = {
  [K in keyof Flags as Flags[K]['on'] extends On ? K : never]: Omit<Flags[K], 'option' | 'on'>;
};

function yargsOptions<On extends RuntimeFlag['on']>(on: On): YargsOptions<On> {
  const options: Record<string, Options> = {};
  for (const [name, { option: _option, on: scope, ...yargs }] of Object.entries(RUNTIME_FLAGS)) {
    if (scope === on) options[name] = yargs;
  }
  return options as YargsOptions<On>;
}

/** The runtime flags every command takes. */
export const EVERY_COMMAND_OPTIONS = yargsOptions('every');

/** The runtime flags of the commands that read a release spec. */
export const SPEC_COMMAND_RUNTIME_OPTIONS = yargsOptions('spec');

/** The library runtime options the flags set. */
export function runtimeOptionsOf(flags: RuntimeFlags): Partial<RuntimeOptions> {
  const options: Record<string, unknown> = {};
  for (const [name, { option }] of Object.entries(RUNTIME_FLAGS)) {
    const value = flags[camelCase(name) as keyof RuntimeFlags];
    if (option !== undefined && value !== undefined) options[option] = value;
  }
  return options;
}
