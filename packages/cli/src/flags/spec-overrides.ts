/**
 * The one place where command-line flags become release spec fields. Flag types derive
 * from the spec's own types (`ReleaseSpec`, `StrategySpec`, ...), so a flag cannot drift
 * from the library; values are not validated here beyond their syntax: the spec
 * validation reports bad values with their paths (`strategy.steps[1].weight`).
 */
import type {
  ChecksSpec,
  DeploySpec,
  NotifyTargetSpec,
  PrometheusSpec,
  ReleaseSpec,
  ReleaseSpecOverrides,
  ResumePolicy,
  StrategySpec,
  StrategyType,
  SyncScopeSpec,
  SyncSpec,
  TargetSpec,
} from '@switchyard/core';
import { parseCheckFlag } from './parse-check-flag.js';
import { parseHeaderFlag } from './parse-header-flag.js';
import { parseNumberFlag } from './parse-number-flag.js';
import { parseStepsFlag } from './parse-steps-flag.js';

/** A numeric flag as typed (parsed by `parseNumberFlag`). */
type NumberFlag = string | number | undefined;

/** Every flag that sets a release spec field, as yargs hands them over. */
export interface SpecFlags {
  /** Positional `<service>` → `service`. */
  service?: ReleaseSpec['service'] | undefined;
  /** `-n/--namespace` → `namespace`. */
  namespace?: ReleaseSpec['namespace'];
  /** `--container` → `target.container`. */
  container?: TargetSpec['container'];
  /** `--header NAME=VALUE` → `deploy.preRelease.headers[]` (`exact`). */
  header?: string[] | undefined;
  /** `--header-prefix NAME=VALUE` → `deploy.preRelease.headers[]` (`prefix`). */
  headerPrefix?: string[] | undefined;
  /** `--header-regex NAME=RE` → `deploy.preRelease.headers[]` (`regex`). */
  headerRegex?: string[] | undefined;
  /** `--rollout-timeout` → `deploy.rolloutTimeout`. */
  rolloutTimeout?: DeploySpec['rolloutTimeout'];
  /** `--strategy` → `strategy.type`. */
  strategy?: StrategyType | undefined;
  /** `--steps 10,50,100` → `strategy.steps` (with `--bake`: a bake after each weight). */
  steps?: string | undefined;
  /** `--bake` → `strategy.bake`, or the bake after each `--steps` weight. */
  bake?: StrategySpec['bake'];
  /** `--mirror N` → `strategy.mirror`. */
  mirror?: NumberFlag;
  /** `--scale-down-old` → `strategy.scaleDownOld`. */
  scaleDownOld?: StrategySpec['scaleDownOld'];
  /** `--on-resume` → `onResume`. */
  onResume?: ResumePolicy | undefined;
  /** `--check` → `checks.items` (replaces the default checks). */
  check?: string[] | undefined;
  /** `--check-interval` → `checks.interval`. */
  checkInterval?: ChecksSpec['interval'];
  /** `--window` → `checks.window`. */
  window?: ChecksSpec['window'];
  /** `--scrape-interval` → `checks.scrapeInterval`. */
  scrapeInterval?: ChecksSpec['scrapeInterval'];
  /** `--failure-limit N` → `checks.failureLimit`. */
  failureLimit?: NumberFlag;
  /** `--inconclusive-limit N` → `checks.inconclusiveLimit`. */
  inconclusiveLimit?: NumberFlag;
  /** `--min-requests N` → `checks.minRequests`. */
  minRequests?: NumberFlag;
  /** `--prometheus-url` → `prometheus.url`. */
  prometheusUrl?: PrometheusSpec['url'];
  /** `--prometheus-service ns/name:port` → `prometheus.service`. */
  prometheusService?: PrometheusSpec['service'];
  /** `--sync-timeout` → `sync.timeout`. */
  syncTimeout?: SyncSpec['timeout'];
  /** `--verify-dataplane N` → `sync.verifyDataplane`. */
  verifyDataplane?: NumberFlag;
  /** `--sync-namespace` (repeatable) → `sync.scope.namespaces`. */
  syncNamespace?: string[] | undefined;
  /** `--sync-selector` → `sync.scope.selector`. */
  syncSelector?: SyncScopeSpec['selector'];
  /**
   * `--notify URL` (repeatable; also `SWITCHYARD_NOTIFY`, where URLs are separated by
   * whitespace) → `notify[] = {url}`, added to the file's targets.
   */
  notify?: NonNullable<NotifyTargetSpec['url']>[] | undefined;
}

/** Removes undefined fields and the objects left empty, so "not given" stays absent. */
function compact<T>(value: T): T | undefined {
  if (Array.isArray(value) || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const kept = compact(field);
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

function nonEmpty<T>(items: readonly T[] | undefined): T[] | undefined {
  return items && items.length > 0 ? [...items] : undefined;
}

/** The spec overrides the flags describe. Throws UsageError on flag syntax problems. */
export function specOverridesOf(flags: SpecFlags): ReleaseSpecOverrides {
  const headers = nonEmpty([
    ...(flags.header ?? []).map((h) => parseHeaderFlag(h, 'exact')),
    ...(flags.headerPrefix ?? []).map((h) => parseHeaderFlag(h, 'prefix')),
    ...(flags.headerRegex ?? []).map((h) => parseHeaderFlag(h, 'regex')),
  ]);
  // URLs never contain whitespace, so one value (an environment variable) may carry several.
  const notify = nonEmpty(
    (flags.notify ?? []).flatMap((value) => value.split(/\s+/).filter((url) => url !== '')),
  );
  const steps = flags.steps !== undefined ? parseStepsFlag(flags.steps, flags.bake) : undefined;
  const overrides: ReleaseSpecOverrides = {
    service: flags.service,
    namespace: flags.namespace,
    target: { container: flags.container },
    deploy: {
      preRelease: headers ? { headers } : undefined,
      rolloutTimeout: flags.rolloutTimeout,
    },
    strategy: {
      type: flags.strategy,
      steps,
      // With --steps the bake went into the steps; the spec forbids `bake` next to steps.
      bake: steps ? undefined : flags.bake,
      mirror: parseNumberFlag('mirror', flags.mirror),
      scaleDownOld: flags.scaleDownOld,
    },
    onResume: flags.onResume,
    checks: {
      items: nonEmpty(flags.check?.map(parseCheckFlag)),
      interval: flags.checkInterval,
      window: flags.window,
      scrapeInterval: flags.scrapeInterval,
      failureLimit: parseNumberFlag('failure-limit', flags.failureLimit),
      inconclusiveLimit: parseNumberFlag('inconclusive-limit', flags.inconclusiveLimit),
      minRequests: parseNumberFlag('min-requests', flags.minRequests),
    },
    prometheus: { url: flags.prometheusUrl, service: flags.prometheusService },
    sync: {
      timeout: flags.syncTimeout,
      verifyDataplane: parseNumberFlag('verify-dataplane', flags.verifyDataplane),
      scope: { namespaces: nonEmpty(flags.syncNamespace), selector: flags.syncSelector },
    },
    notify: notify?.map((url) => ({ url })),
  };
  return compact(overrides) ?? {};
}
