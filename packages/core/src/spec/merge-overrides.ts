/**
 * Merging overrides (CLI flags, library options) over a spec (usually from a file).
 * Overrides win field by field; arrays replace whole. Where the spec offers alternatives
 * (`url` or `service`, a token file or variable, a preset or explicit steps), choosing one
 * in an override drops the file's other choice instead of colliding with it: a flag
 * `--prometheus-url` means "use this URL", not "also use this URL".
 *
 * One list adds up instead of replacing: `notify`. Each webhook is independent of the
 * others, so `--notify` (or a pipeline-wide `SWITCHYARD_NOTIFY`) adds a receiver to the
 * file's, and a team's Slack target in the file keeps working.
 */
import type { ReleaseSpec, ReleaseSpecOverrides } from './release-spec.js';

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Groups of mutually exclusive fields, by the path of the object holding them. */
const ALTERNATIVES: readonly { path: readonly string[]; groups: readonly (readonly string[])[] }[] =
  [
    {
      path: ['prometheus'],
      groups: [
        ['url', 'service'],
        ['bearerTokenFile', 'bearerTokenEnv', 'basicAuth'],
      ],
    },
    { path: ['prometheus', 'basicAuth'], groups: [['passwordFile', 'passwordEnv']] },
    { path: ['sync', 'istiod'], groups: [['tokenFile', 'tokenEnv']] },
  ];

function at(fields: unknown, path: readonly string[]): unknown {
  let current = fields;
  for (const key of path) current = isFields(current) ? current[key] : undefined;
  return current;
}

function mergeFields(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isFields(base) || !isFields(override)) return override;
  const merged: Fields = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value !== undefined) merged[key] = mergeFields(base[key], value);
  }
  return merged;
}

/** Drops the base's choices that an override replaced with another alternative. */
function dropReplacedAlternatives(base: Fields, overrides: Fields): Fields {
  const result = structuredClone(base);
  for (const { path, groups } of ALTERNATIVES) {
    const target = at(result, path);
    const chosen = at(overrides, path);
    if (!isFields(target) || !isFields(chosen)) continue;
    for (const group of groups) {
      if (!group.some((key) => chosen[key] !== undefined)) continue;
      for (const key of group) if (chosen[key] === undefined) delete target[key];
    }
  }
  const strategy = result.strategy;
  const chosen = overrides.strategy;
  if (isFields(strategy) && isFields(chosen)) {
    // Explicit steps replace the preset with everything that configures it.
    if (chosen.steps !== undefined) {
      for (const key of ['type', 'bake', 'mirror'])
        if (chosen[key] === undefined) delete strategy[key];
    } else if (chosen.type !== undefined && chosen.type !== 'custom') {
      delete strategy.steps;
    }
  }
  return result;
}

/** Lists whose override items are appended to the base's. */
const ADDITIVE_LISTS = ['notify'] as const;

/**
 * `spec` with `overrides` applied. The result is a new object (inputs untouched) and is not
 * validated: it is whatever the two say together, for the validation to judge.
 */
export function mergeSpecOverrides(
  spec: ReleaseSpec | Record<string, unknown> | undefined,
  overrides: ReleaseSpecOverrides,
): unknown {
  const base: unknown = spec ?? {};
  if (!isFields(base) || !isFields(overrides)) return mergeFields(base, overrides);
  const cleaned = dropReplacedAlternatives(base, overrides);
  const merged = mergeFields(cleaned, overrides) as Fields;
  for (const key of ADDITIVE_LISTS) {
    const kept: unknown = cleaned[key];
    const added: unknown = overrides[key];
    if (Array.isArray(kept) && Array.isArray(added)) {
      merged[key] = [...(kept as unknown[]), ...(added as unknown[])];
    }
  }
  return merged;
}
