/**
 * From what the user wrote (file and/or flags) to what the release runs with: overrides
 * merged over the spec, the result validated as a whole, then every default filled by
 * convention and every duration turned into milliseconds. The result is deeply frozen so
 * no part of the engine can change the plan another part relies on.
 */
import { SpecError, type ValidationIssue } from '../errors.js';
import type { Slot } from '../istio/route-target.js';
import type { StringMatch } from '../istio/types.js';
import type { ReleaseStep } from '../release/state-record.js';
import { builtinCheckType, DEFAULT_CHECK_TYPES } from './check-types.js';
import { parseDuration } from './duration.js';
import { DNS_LABEL, nameProblem } from './kubernetes-names.js';
import { mergeSpecOverrides } from './merge-overrides.js';
import { NOTIFICATION_EVENTS, type NotifyTargetSpec } from './notify-spec.js';
import type {
  CheckSpec,
  HeaderMatchSpec,
  PrometheusSpec,
  ReleaseSpec,
  ReleaseSpecOverrides,
  SlotSpec,
  StepSpec,
  StrategySpec,
} from './release-spec.js';
import type {
  CredentialSource,
  PrometheusAuth,
  PrometheusEndpoint,
  NotifyUrlSource,
  ResolvedCheck,
  ResolvedNotifyTarget,
  ResolvedPrometheus,
  ResolvedReleaseSpec,
  ResolvedSlot,
} from './resolved-release-spec.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import { formatPath } from './spec-issues.js';
import { blueGreenSteps, canarySteps } from './strategy-presets.js';
import { loadSpecDocument } from './parse-release-spec.js';
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

function slot(service: string, name: Slot, spec: SlotSpec | undefined): ResolvedSlot {
  const subset = spec?.subset ?? name;
  return {
    deployment: spec?.deployment ?? `${service}-${name}`,
    subset,
    labelValue: spec?.labelValue ?? subset,
  };
}

function headerMatches(headers: readonly HeaderMatchSpec[]): Record<string, StringMatch> {
  const matches: Record<string, StringMatch> = {};
  for (const header of headers) {
    if (header.exact !== undefined) matches[header.name] = { exact: header.exact };
    else if (header.prefix !== undefined) matches[header.name] = { prefix: header.prefix };
    else matches[header.name] = { regex: header.regex };
  }
  return matches;
}

function step(spec: StepSpec): ReleaseStep {
  if (spec.weight !== undefined) return { weight: spec.weight };
  if (spec.mirror !== undefined) return { mirror: spec.mirror };
  if (spec.bake !== undefined) return { bakeMs: parseDuration(spec.bake) };
  return { pause: true };
}

function strategySteps(strategy: StrategySpec | undefined): {
  type: ResolvedReleaseSpec['strategy']['type'];
  steps: ReleaseStep[];
} {
  if (strategy?.steps) {
    return { type: strategy.type ?? 'custom', steps: strategy.steps.map(step) };
  }
  const bakeMs = parseDuration(strategy?.bake ?? SPEC_DEFAULTS.bake);
  if (strategy?.type === 'bluegreen') {
    return {
      type: 'bluegreen',
      steps: blueGreenSteps(bakeMs, strategy.mirror ?? SPEC_DEFAULTS.mirror),
    };
  }
  return { type: 'canary', steps: canarySteps(bakeMs) };
}

function check(spec: CheckSpec): ResolvedCheck {
  const builtin = builtinCheckType(spec.type);
  if (builtin) {
    const threshold =
      (spec as Partial<Record<typeof builtin.thresholdField, number>>)[builtin.thresholdField] ??
      builtin.defaultThreshold;
    return {
      name: spec.name ?? builtin.type,
      type: builtin.type,
      query: builtin.query,
      min: builtin.bound === 'min' ? threshold : undefined,
      max: builtin.bound === 'max' ? threshold : undefined,
      unit: builtin.unit,
    };
  }
  // Not a built-in, so custom: validation required its name and query.
  const custom = spec as Extract<CheckSpec, { query: string }>;
  return {
    name: custom.name,
    type: 'custom',
    query: custom.query,
    min: custom.min,
    max: custom.max,
    unit: '',
  };
}

function credential(
  file: string | undefined,
  env: string | undefined,
): CredentialSource | undefined {
  if (file !== undefined) return { file };
  if (env !== undefined) return { env };
  return undefined;
}

function endpoint(spec: PrometheusSpec | undefined): PrometheusEndpoint {
  if (spec?.url !== undefined) return { kind: 'url', url: spec.url.replace(/\/+$/, '') };
  const service = spec?.service ?? SPEC_DEFAULTS.prometheusService;
  const [namespace = '', rest = ''] = service.split('/');
  const [name = '', port = ''] = rest.split(':');
  return { kind: 'service', namespace, name, port: Number(port) };
}

function auth(spec: PrometheusSpec | undefined): PrometheusAuth {
  const bearer = credential(spec?.bearerTokenFile, spec?.bearerTokenEnv);
  if (bearer) return { type: 'bearer', token: bearer };
  const basic = spec?.basicAuth;
  const password = credential(basic?.passwordFile, basic?.passwordEnv);
  if (basic && password) return { type: 'basic', username: basic.username, password };
  return { type: 'none' };
}

function prometheus(spec: PrometheusSpec | undefined): ResolvedPrometheus {
  return {
    endpoint: endpoint(spec),
    auth: auth(spec),
    headers: { ...spec?.headers },
    timeoutMs: parseDuration(spec?.timeout ?? SPEC_DEFAULTS.prometheusTimeout),
  };
}

function notifyTarget(spec: NotifyTargetSpec, index: number): ResolvedNotifyTarget {
  const url: NotifyUrlSource =
    spec.url !== undefined
      ? { value: spec.url }
      : (credential(spec.urlFile, spec.urlEnv) as CredentialSource);
  const source =
    'value' in url
      ? `url on ${new URL(url.value).host}`
      : 'env' in url
        ? `urlEnv ${url.env}`
        : `urlFile ${url.file}`;
  return {
    label: `notify[${index}] (${source})`,
    url,
    token: credential(spec.tokenFile, spec.tokenEnv),
    format: spec.format,
    events: spec.events ? [...spec.events] : [...NOTIFICATION_EVENTS],
  };
}

/** Fills every default of a valid spec whose namespace is decided. */
function build(spec: ReleaseSpec & { namespace: string }): ResolvedReleaseSpec {
  const { service, namespace, target, deploy, checks, sync } = spec;
  const istiod = sync?.istiod;
  return {
    service,
    namespace,
    target: {
      virtualService: target?.virtualService ?? service,
      destinationRule: target?.destinationRule ?? service,
      host: target?.host ?? service,
      routes: target?.routes ? [...target.routes] : undefined,
      slotLabel: target?.slotLabel ?? SPEC_DEFAULTS.slotLabel,
      slots: {
        blue: slot(service, 'blue', target?.slots?.blue),
        green: slot(service, 'green', target?.slots?.green),
      },
      container: target?.container,
    },
    deploy: {
      preRelease: deploy?.preRelease
        ? { headers: headerMatches(deploy.preRelease.headers) }
        : undefined,
      rolloutTimeoutMs: parseDuration(deploy?.rolloutTimeout ?? SPEC_DEFAULTS.rolloutTimeout),
    },
    strategy: {
      ...strategySteps(spec.strategy),
      scaleDownOld: spec.strategy?.scaleDownOld ?? SPEC_DEFAULTS.scaleDownOld,
    },
    checks: {
      intervalMs: parseDuration(checks?.interval ?? SPEC_DEFAULTS.checkInterval),
      windowMs: parseDuration(checks?.window ?? SPEC_DEFAULTS.checkWindow),
      scrapeIntervalMs: parseDuration(checks?.scrapeInterval ?? SPEC_DEFAULTS.scrapeInterval),
      failureLimit: checks?.failureLimit ?? SPEC_DEFAULTS.failureLimit,
      inconclusiveLimit: checks?.inconclusiveLimit ?? SPEC_DEFAULTS.inconclusiveLimit,
      minRequests: checks?.minRequests ?? SPEC_DEFAULTS.minRequests,
      items: (checks?.items ?? DEFAULT_CHECK_TYPES.map((type): CheckSpec => ({ type }))).map(check),
    },
    sync: {
      timeoutMs: parseDuration(sync?.timeout ?? SPEC_DEFAULTS.syncTimeout),
      pollIntervalMs: parseDuration(sync?.pollInterval ?? SPEC_DEFAULTS.syncPollInterval),
      requiredRatio: sync?.requiredRatio ?? SPEC_DEFAULTS.requiredRatio,
      scope: {
        namespaces: sync?.scope?.namespaces ? [...sync.scope.namespaces] : undefined,
        selector: sync?.scope?.selector,
      },
      istiod: {
        namespace: istiod?.namespace ?? SPEC_DEFAULTS.istiodNamespace,
        revision: istiod?.revision,
        url: istiod?.url?.replace(/\/+$/, ''),
        token: credential(istiod?.tokenFile, istiod?.tokenEnv),
      },
      verifyDataplane: sync?.verifyDataplane ?? SPEC_DEFAULTS.verifyDataplane,
    },
    prometheus: prometheus(spec.prometheus),
    rollback: {
      removeHeaderRoute: spec.rollback?.removeHeaderRoute ?? SPEC_DEFAULTS.removeHeaderRoute,
    },
    onResume: spec.onResume ?? SPEC_DEFAULTS.onResume,
    lock: {
      leaseDurationMs: parseDuration(spec.lock?.leaseDuration ?? SPEC_DEFAULTS.leaseDuration),
      holderIdentity: spec.lock?.holderIdentity,
    },
    preflight: { skip: [...new Set(spec.preflight?.skip ?? [])] },
    notify: (spec.notify ?? []).map(notifyTarget),
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
