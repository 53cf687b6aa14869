/**
 * From what the user wrote (file and/or flags) to what the release runs with: overrides
 * merged over the spec, the result validated as a whole, then every default filled by
 * convention and every duration turned into milliseconds. The result is deeply frozen so
 * no part of the engine can change the plan another part relies on.
 */
import { SpecError, type ValidationIssue } from '../errors.js';
import { DNS_LABEL, nameProblem } from './kubernetes-names.js';
import { mergeSpecOverrides } from './merge-overrides.js';
import { loadSpecDocument } from './parse-release-spec.js';
import type { ReleaseSpec, ReleaseSpecOverrides } from './release-spec.js';
import type { ResolvedReleaseSpec } from './resolved-release-spec.js';
import { resolveChecks } from './sections/checks.js';
import { resolveDeploy } from './sections/deploy.js';
import { resolveLock } from './sections/lock.js';
import { resolveNotify } from './sections/notify.js';
import { resolvePreflight } from './sections/preflight.js';
import { resolvePrometheus } from './sections/prometheus.js';
import { resolveRollback } from './sections/rollback.js';
import { resolveStrategy } from './sections/strategy.js';
import { resolveSync } from './sections/sync.js';
import { resolveTarget } from './sections/target.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import { formatPath } from './spec-issues.js';
import {
  validateReleaseSpec,
  validateReleaseSpecDocument,
  type SpecResult,
} from './validate-release-spec.js';

/** Options of `resolveReleaseSpec`. */
export interface ResolveReleaseSpecOptions {
  /** Namespace when neither the spec nor the overrides name one: the kube context's. */
  defaultNamespace: string;
  /**
   * File the spec came from; undefined: not from a file. Named in the SpecError unless
   * every problem stems from the overrides.
   */
  file?: string | undefined;
}

/** Fills every default of a valid spec whose namespace is decided, section by section. */
function build(spec: ReleaseSpec & { namespace: string }): ResolvedReleaseSpec {
  return {
    service: spec.service,
    namespace: spec.namespace,
    target: resolveTarget(spec.service, spec.target),
    deploy: resolveDeploy(spec.deploy),
    strategy: resolveStrategy(spec.strategy),
    checks: resolveChecks(spec.checks),
    sync: resolveSync(spec.sync),
    prometheus: resolvePrometheus(spec.prometheus),
    rollback: resolveRollback(spec.rollback),
    onResume: spec.onResume ?? SPEC_DEFAULTS.onResume,
    lock: resolveLock(spec.lock),
    preflight: resolvePreflight(spec.preflight),
    notify: resolveNotify(spec.notify),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}

/** Dotted paths of every value the overrides set (arrays count as one value). */
function overriddenPaths(overrides: unknown, path: PropertyKey[] = []): string[] {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    return overrides === undefined ? [] : [formatPath(path)];
  }
  return Object.entries(overrides).flatMap(([key, value]) =>
    overriddenPaths(value, [...path, key]),
  );
}

/** True when the issue concerns a value the overrides set (or an object holding one). */
function stemsFromOverrides(issue: ValidationIssue, paths: readonly string[]): boolean {
  const within = (inner: string, outer: string): boolean =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  return paths.some((path) => within(issue.path, path) || within(path, issue.path));
}

/** Validates the merged spec (with `validate`) and fills its defaults. */
function resolveMerged(
  merged: unknown,
  validate: (input: unknown) => SpecResult<ReleaseSpec>,
  options: ResolveReleaseSpecOptions,
): SpecResult<ResolvedReleaseSpec> {
  const errors: ValidationIssue[] = [];
  const namespaceProblem = nameProblem(options.defaultNamespace, DNS_LABEL);
  const hasNamespace =
    typeof merged === 'object' &&
    merged !== null &&
    'namespace' in merged &&
    merged.namespace !== undefined;
  if (!hasNamespace && namespaceProblem) {
    errors.push({ path: 'namespace', message: `default namespace ${namespaceProblem}` });
  }
  const validated = validate(merged);
  errors.push(...validated.errors);
  if (validated.value === undefined || errors.length > 0) return { errors };
  const namespace = validated.value.namespace ?? options.defaultNamespace;
  return { value: deepFreeze(build({ ...validated.value, namespace })), errors: [] };
}

/** The SpecError for `errors`, naming the file unless every problem stems from the overrides. */
function specError(
  errors: ValidationIssue[],
  overrides: ReleaseSpecOverrides,
  file: string | undefined,
): SpecError {
  const paths = overriddenPaths(overrides);
  const fromFile = errors.some((issue) => !stemsFromOverrides(issue, paths));
  return new SpecError(errors, file !== undefined && fromFile ? { file } : {});
}

/**
 * Resolves a spec with overrides, returning problems as data.
 *
 * @param spec - The spec, e.g. from `parseReleaseSpec`; undefined: conventions only.
 * @param overrides - CLI flags or library options; they win over `spec`.
 */
export function safeResolveReleaseSpec(
  spec: ReleaseSpec | undefined,
  overrides: ReleaseSpecOverrides,
  options: ResolveReleaseSpecOptions,
): SpecResult<ResolvedReleaseSpec> {
  return resolveMerged(mergeSpecOverrides(spec, overrides), validateReleaseSpec, options);
}

/**
 * Resolves a spec with overrides: defaults by convention, durations in milliseconds,
 * steps expanded from the preset, deeply frozen.
 *
 * @param spec - The spec, e.g. from `parseReleaseSpecOrThrow`; undefined: conventions only.
 * @param overrides - CLI flags or library options; they win over `spec`.
 * @throws SpecError with every problem of the merged spec, naming `options.file` unless
 *   every problem stems from the overrides.
 */
export function resolveReleaseSpec(
  spec: ReleaseSpec | undefined,
  overrides: ReleaseSpecOverrides,
  options: ResolveReleaseSpecOptions,
): ResolvedReleaseSpec {
  const { value, errors } = safeResolveReleaseSpec(spec, overrides, options);
  if (value !== undefined) return value;
  throw specError(errors, overrides, options.file);
}

/**
 * Resolves spec YAML with overrides, returning problems as data. Unlike parsing the file
 * first, the file and the overrides are validated together, so a flag can repair a file
 * (`--scrape-interval 5s` for a file with `window: 20s`). The file must still carry
 * `apiVersion` and `kind`.
 */
export function safeResolveReleaseSpecYaml(
  text: string,
  overrides: ReleaseSpecOverrides,
  options: ResolveReleaseSpecOptions,
): SpecResult<ResolvedReleaseSpec> {
  const loaded = loadSpecDocument(text, { file: options.file });
  if (!loaded.document) return { errors: loaded.errors };
  const merged = mergeSpecOverrides(loaded.document, overrides);
  return resolveMerged(merged, validateReleaseSpecDocument, options);
}

/**
 * Resolves spec YAML with overrides (see `safeResolveReleaseSpecYaml`).
 *
 * @throws SpecError with every problem, naming `options.file` unless every problem stems
 *   from the overrides.
 */
export function resolveReleaseSpecYaml(
  text: string,
  overrides: ReleaseSpecOverrides,
  options: ResolveReleaseSpecOptions,
): ResolvedReleaseSpec {
  const { value, errors } = safeResolveReleaseSpecYaml(text, overrides, options);
  if (value !== undefined) return value;
  throw specError(errors, overrides, options.file);
}
