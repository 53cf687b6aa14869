/**
 * Rules across fields, checked on the whole spec with defaults in place: a spec is valid
 * when it would resolve, not merely when each field is well-formed. The input may also
 * have failed the schema (every problem is reported at once), so each rule reads only the
 * values it needs and stays silent when one of them is itself invalid: the schema already
 * reported that, and a second message about the same typo would only distract.
 */
import { checkTemplateProblems } from './check-query.js';
import { builtinCheckType } from './check-types.js';
import { formatDuration, tryParseDuration } from './duration.js';
import { isValidName, SERVICE_NAME } from './kubernetes-names.js';
import { labelSelectorProblem } from './label-selector.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import { describeValue, type RawIssue } from './spec-issues.js';

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const fieldsOf = (value: unknown): Fields => (isFields(value) ? value : {});

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const present = (fields: Fields, key: string): boolean => fields[key] !== undefined;

/**
 * A duration field's milliseconds: the default when absent, undefined when invalid (zero
 * included: no duration in the spec may be zero, and the schema says so).
 */
function durationMs(fields: Fields, key: string, fallback: string): number | undefined {
  const ms = tryParseDuration(fields[key] ?? fallback);
  return ms === 0 ? undefined : ms;
}

const isPercent = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100;

class IssueList {
  readonly issues: RawIssue[] = [];
  add(path: readonly PropertyKey[], message: string): void {
    this.issues.push({ path: [...path], message });
  }
}

/** The keys of `keys` present in `fields`; an issue when there is more than one. */
function onlyOne(
  out: IssueList,
  path: readonly PropertyKey[],
  fields: Fields,
  keys: readonly string[],
): string[] {
  const found = keys.filter((key) => present(fields, key));
  if (found.length > 1) {
    out.add(path, `give only one of ${keys.join(', ')} (found ${found.join(' and ')})`);
  }
  return found;
}

// --- target -------------------------------------------------------------------------

function checkSlots(spec: Fields, out: IssueList): void {
  const service = isValidName(spec.service, SERVICE_NAME) ? spec.service : undefined;
  const slots = fieldsOf(fieldsOf(spec.target).slots);
  const blue = fieldsOf(slots.blue);
  const green = fieldsOf(slots.green);
  const effective = (slot: Fields, slotName: string, key: string): unknown => {
    if (present(slot, key)) return slot[key];
    if (key === 'deployment') return service === undefined ? undefined : `${service}-${slotName}`;
    if (key === 'subset') return slotName;
    return present(slot, 'subset') ? slot.subset : slotName;
  };
  const why: Record<string, string> = {
    deployment: 'the two slots need their own Deployments',
    subset: 'the two slots need their own DestinationRule subsets',
    labelValue: 'otherwise both subsets select the same pods',
  };
  for (const key of ['deployment', 'subset', 'labelValue']) {
    const b = effective(blue, 'blue', key);
    const g = effective(green, 'green', key);
    // Only a name someone wrote can collide; the defaults differ or derive from one that did.
    if (typeof b !== 'string' || b !== g || (!present(blue, key) && !present(green, key))) continue;
    const [slot, other] = present(green, key) ? ['green', 'blue'] : ['blue', 'green'];
    out.add(
      ['target', 'slots', slot, key],
      `must differ from target.slots.${other}.${key} (both are "${b}"): ${why[key]}`,
    );
  }
}

function checkRoutes(spec: Fields, out: IssueList): void {
  const seen = new Set<unknown>();
  listOf(fieldsOf(spec.target).routes).forEach((route, index) => {
    if (typeof route === 'string' && seen.has(route)) {
      out.add(['target', 'routes', index], `"${route}" is listed twice`);
    }
    seen.add(route);
  });
}

// --- deploy -------------------------------------------------------------------------

/** Constructs Envoy's RE2 rejects although JavaScript accepts them. */
const RE2_UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k</;

function checkPreRelease(spec: Fields, out: IssueList): void {
  const headers = listOf(fieldsOf(fieldsOf(spec.deploy).preRelease).headers);
  const seen = new Map<string, number>();
  headers.forEach((item, index) => {
    if (!isFields(item)) return;
    const path = ['deploy', 'preRelease', 'headers', index];
    const kinds = onlyOne(out, path, item, ['exact', 'prefix', 'regex']);
    if (kinds.length === 0) out.add(path, 'needs one of exact, prefix or regex');
    if (typeof item.regex === 'string') {
      try {
        new RegExp(item.regex);
        if (RE2_UNSUPPORTED.test(item.regex)) {
          out.add(
            [...path, 'regex'],
            'uses lookaround or backreferences, which Envoy’s RE2 regular expressions do not support',
          );
        }
      } catch (error) {
        out.add([...path, 'regex'], `does not compile: ${(error as Error).message}`);
      }
    }
    if (typeof item.name === 'string') {
      const first = seen.get(item.name);
      if (first !== undefined) {
        out.add(
          [...path, 'name'],
          `"${item.name}" already has a condition (deploy.preRelease.headers[${first}]); conditions are AND-ed, so keep one`,
        );
      } else {
        seen.set(item.name, index);
      }
    }
  });
}

// --- strategy -----------------------------------------------------------------------

const STEP_KINDS = ['weight', 'bake', 'pause', 'mirror'] as const;

function checkSteps(steps: unknown[], out: IssueList): void {
  let allValid = true;
  const weights: { index: number; weight: number }[] = [];
  const mirrors: number[] = [];
  steps.forEach((step, index) => {
    if (!isFields(step)) {
      allValid = false;
      return;
    }
    const path = ['strategy', 'steps', index];
    const kinds = onlyOne(out, path, step, STEP_KINDS);
    if (kinds.length === 0) {
      out.add(path, 'empty step: give one of weight, bake, pause, mirror');
    }
    if (kinds.length !== 1) allValid = false;
    if (kinds[0] === 'weight') {
      if (isPercent(step.weight)) weights.push({ index, weight: step.weight });
      else allValid = false;
    }
    if (kinds[0] === 'mirror') mirrors.push(index);
  });
  // The order rules only make sense over a list whose steps are each valid.
  if (!allValid) return;
  const last = weights.at(-1);
  if (!last) {
    out.add(
      ['strategy', 'steps'],
      'needs at least one weight step, and the last weight step must be 100',
    );
    return;
  }
  for (let i = 1; i < weights.length; i++) {
    const previous = weights[i - 1];
    const current = weights[i];
    if (previous && current && current.weight <= previous.weight) {
      out.add(
        ['strategy', 'steps', current.index, 'weight'],
        `must be greater than the previous weight step (strategy.steps[${previous.index}].weight is ${previous.weight}): weights only increase`,
      );
    }
  }
  if (last.weight !== 100) {
    out.add(
      ['strategy', 'steps', last.index, 'weight'],
      `the last weight step must be 100, got ${last.weight}: the release would never complete`,
    );
  }
  for (const index of mirrors) {
    if (index > last.index) {
      out.add(
        ['strategy', 'steps', index, 'mirror'],
        'comes after the last weight step, when the candidate already takes all traffic: move it before',
      );
    }
  }
}

/** Whether the spec has any check: the default list when `items` is absent. */
function hasChecks(spec: Fields): boolean {
  const items = fieldsOf(spec.checks).items;
  return items === undefined || listOf(items).length > 0;
}

function checkStrategy(spec: Fields, out: IssueList): void {
  const strategy = fieldsOf(spec.strategy);
  const steps = strategy.steps;
  const type = strategy.type ?? (steps === undefined ? 'canary' : 'custom');
  if (type === 'custom' && steps === undefined) {
    out.add(['strategy', 'steps'], 'required when strategy.type is custom');
  }
  if (Array.isArray(steps)) checkSteps(steps, out);
  if (steps !== undefined && present(strategy, 'bake')) {
    out.add(
      ['strategy', 'bake'],
      'applies to preset steps only; with explicit steps, add bake steps',
    );
  }
  const mirror = strategy.mirror;
  if (typeof mirror === 'number' && mirror > 0 && (steps !== undefined || type !== 'bluegreen')) {
    out.add(
      ['strategy', 'mirror'],
      steps !== undefined
        ? 'applies to the bluegreen preset only; with explicit steps, add a mirror step'
        : `applies to the bluegreen preset only (strategy.type is ${describeValue(type)}); add a mirror step to explicit steps instead`,
    );
  }

  // A bake shorter than the evaluation interval would pass without a single check.
  if (!hasChecks(spec)) return;
  const checks = fieldsOf(spec.checks);
  const intervalMs = durationMs(checks, 'interval', SPEC_DEFAULTS.checkInterval);
  if (intervalMs === undefined) return;
  const interval = formatDuration(intervalMs);
  if (Array.isArray(steps)) {
    steps.forEach((step, index) => {
      const bakeMs = isFields(step) ? tryParseDuration(step.bake) : undefined;
      if (bakeMs !== undefined && bakeMs > 0 && bakeMs < intervalMs) {
        out.add(
          ['strategy', 'steps', index, 'bake'],
          `${formatDuration(bakeMs)} is shorter than checks.interval (${interval}): no check would run during it`,
        );
      }
    });
  } else {
    const bakeMs = durationMs(strategy, 'bake', SPEC_DEFAULTS.bake);
    if (bakeMs !== undefined && bakeMs > 0 && bakeMs < intervalMs) {
      if (present(strategy, 'bake')) {
        out.add(
          ['strategy', 'bake'],
          `${formatDuration(bakeMs)} is shorter than checks.interval (${interval}): no check would run during a bake`,
        );
      } else {
        out.add(
          ['checks', 'interval'],
          `${interval} is longer than the default bake (${formatDuration(bakeMs)}): no check would run during a bake; set strategy.bake or a shorter interval`,
        );
      }
    }
  }
}

// --- checks -------------------------------------------------------------------------

function checkTiming(spec: Fields, out: IssueList): void {
  const checks = fieldsOf(spec.checks);
  const windowMs = durationMs(checks, 'window', SPEC_DEFAULTS.checkWindow);
  const scrapeMs = durationMs(checks, 'scrapeInterval', SPEC_DEFAULTS.scrapeInterval);
  const intervalMs = durationMs(checks, 'interval', SPEC_DEFAULTS.checkInterval);
  if (windowMs !== undefined && scrapeMs !== undefined && windowMs < 2 * scrapeMs) {
    const needed = formatDuration(2 * scrapeMs);
    if (present(checks, 'window')) {
      out.add(
        ['checks', 'window'],
        `${formatDuration(windowMs)} is shorter than two Prometheus scrapes (2 × checks.scrapeInterval = ${needed}); rate() needs two samples in the window`,
      );
    } else {
      out.add(
        ['checks', 'scrapeInterval'],
        `${formatDuration(scrapeMs)} leaves fewer than two scrapes in the default window (${formatDuration(windowMs)}); set checks.window to at least ${needed}`,
      );
    }
  }
  if (windowMs !== undefined && intervalMs !== undefined && intervalMs > windowMs) {
    if (present(checks, 'interval')) {
      out.add(
        ['checks', 'interval'],
        `${formatDuration(intervalMs)} is longer than checks.window (${formatDuration(windowMs)}): evaluations would skip the data between windows`,
      );
    } else {
      out.add(
        ['checks', 'window'],
        `${formatDuration(windowMs)} is shorter than the default checks.interval (${formatDuration(intervalMs)}): evaluations would skip the data between windows`,
      );
    }
  }
}

const THRESHOLD_FIELDS = ['min', 'max', 'maxDegradation'] as const;

function checkItem(item: Fields, index: number, out: IssueList): string | undefined {
  const path = ['checks', 'items', index];
  const type = item.type ?? (present(item, 'query') ? 'custom' : undefined);
  if (type === undefined) {
    out.add(path, 'needs a type (success-rate, latency-p99, success-rate-vs-stable) or a query');
    return undefined;
  }
  const builtin = builtinCheckType(type);
  if (builtin) {
    if (present(item, 'query')) {
      out.add(
        [...path, 'query'],
        `${builtin.type} has a built-in query; for your own, drop the type`,
      );
    }
    for (const field of THRESHOLD_FIELDS) {
      if (field !== builtin.thresholdField && present(item, field)) {
        out.add(
          [...path, field],
          `not a setting of ${builtin.type}; its threshold is ${builtin.thresholdField}`,
        );
      }
    }
    const threshold = item[builtin.thresholdField];
    if (
      typeof threshold === 'number' &&
      (threshold < builtin.thresholdMin ||
        (builtin.thresholdMax !== undefined && threshold > builtin.thresholdMax))
    ) {
      out.add(
        [...path, builtin.thresholdField],
        builtin.thresholdMax === undefined
          ? `must be >= ${builtin.thresholdMin}`
          : `must be ${builtin.thresholdMin}..${builtin.thresholdMax}`,
      );
    }
    return typeof item.name === 'string' ? item.name : builtin.type;
  }
  if (type !== 'custom') return undefined;
  if (!present(item, 'name')) out.add([...path, 'name'], 'required for a custom check');
  if (!present(item, 'query')) out.add([...path, 'query'], 'required for a custom check');
  if (typeof item.query === 'string') {
    for (const problem of checkTemplateProblems(item.query)) out.add([...path, 'query'], problem);
  }
  if (present(item, 'maxDegradation')) {
    out.add([...path, 'maxDegradation'], 'only for success-rate-vs-stable; use max');
  }
  if (!present(item, 'min') && !present(item, 'max')) {
    out.add(path, 'a custom check needs min and/or max');
  }
  if (typeof item.min === 'number' && typeof item.max === 'number' && item.min > item.max) {
    out.add([...path, 'min'], `must be <= max (${item.max})`);
  }
  return typeof item.name === 'string' ? item.name : undefined;
}

function checkItems(spec: Fields, out: IssueList): void {
  const names = new Map<string, number>();
  listOf(fieldsOf(spec.checks).items).forEach((item, index) => {
    if (!isFields(item)) return;
    const name = checkItem(item, index, out);
    if (name === undefined) return;
    const first = names.get(name);
    if (first === undefined) {
      names.set(name, index);
      return;
    }
    out.add(
      ['checks', 'items', index, 'name'],
      `duplicate check name "${name}" (also checks.items[${first}]); give each check its own name`,
    );
  });
}

// --- sync and prometheus ------------------------------------------------------------

function urlProblem(value: string, credentialHint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${describeValue(value)} is not a URL (like "http://prometheus.istio-system:9090")`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http or https URL, got ${url.protocol.slice(0, -1)}`;
  }
  if (url.username !== '' || url.password !== '') {
    return `credentials are never inline in the spec: remove "user:password@" from the URL and ${credentialHint}`;
  }
  return undefined;
}

function checkSync(spec: Fields, out: IssueList): void {
  const sync = fieldsOf(spec.sync);
  const timeoutMs = durationMs(sync, 'timeout', SPEC_DEFAULTS.syncTimeout);
  const pollMs = durationMs(sync, 'pollInterval', SPEC_DEFAULTS.syncPollInterval);
  if (timeoutMs !== undefined && pollMs !== undefined && pollMs > timeoutMs) {
    const [key, message] = present(sync, 'pollInterval')
      ? [
          'pollInterval',
          `${formatDuration(pollMs)} is longer than sync.timeout (${formatDuration(timeoutMs)})`,
        ]
      : [
          'timeout',
          `${formatDuration(timeoutMs)} is shorter than the default sync.pollInterval (${formatDuration(pollMs)})`,
        ];
    out.add(['sync', key], message);
  }
  const selector = fieldsOf(sync.scope).selector;
  if (typeof selector === 'string' && selector !== '') {
    const problem = labelSelectorProblem(selector);
    if (problem) out.add(['sync', 'scope', 'selector'], problem);
  }
  const istiod = fieldsOf(sync.istiod);
  const path = ['sync', 'istiod'];
  const token = onlyOne(out, path, istiod, ['tokenFile', 'tokenEnv']);
  if (typeof istiod.url === 'string' && istiod.url !== '') {
    const problem = urlProblem(istiod.url, 'use tokenFile or tokenEnv');
    if (problem) out.add([...path, 'url'], problem);
  } else if (token[0] !== undefined) {
    out.add(
      [...path, token[0]],
      'only used with sync.istiod.url; a port-forward authenticates with your kube credentials',
    );
  }
}

const CREDENTIAL_HEADER_RE =
  /^(authorization|proxy-authorization|cookie)$|token|secret|password|api-?key/i;
const HEADER_TOKEN_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function checkPrometheus(spec: Fields, out: IssueList): void {
  const prometheus = fieldsOf(spec.prometheus);
  const path = ['prometheus'];
  if (present(prometheus, 'url') && present(prometheus, 'service')) {
    out.add(path, 'give either url or service, not both');
  }
  if (typeof prometheus.url === 'string' && prometheus.url !== '') {
    const problem = urlProblem(prometheus.url, 'use basicAuth with passwordFile or passwordEnv');
    if (problem) out.add([...path, 'url'], problem);
  }
  if (typeof prometheus.service === 'string') {
    const port = Number(prometheus.service.split(':')[1]);
    if (Number.isInteger(port) && (port < 1 || port > 65535)) {
      out.add([...path, 'service'], `port ${port} is not 1..65535`);
    }
  }
  const bearer = onlyOne(out, path, prometheus, ['bearerTokenFile', 'bearerTokenEnv']);
  if (bearer.length > 0 && present(prometheus, 'basicAuth')) {
    out.add([...path, 'basicAuth'], 'use either a bearer token or basicAuth, not both');
  }
  if (isFields(prometheus.basicAuth)) {
    const basicPath = [...path, 'basicAuth'];
    const found = onlyOne(out, basicPath, prometheus.basicAuth, ['passwordFile', 'passwordEnv']);
    if (found.length === 0) out.add(basicPath, 'needs passwordFile or passwordEnv');
  }
  for (const [name, value] of Object.entries(fieldsOf(prometheus.headers))) {
    const headerPath = [...path, 'headers', name];
    if (!HEADER_TOKEN_RE.test(name)) {
      out.add(headerPath, `${describeValue(name)} is not a valid HTTP header name`);
    } else if (CREDENTIAL_HEADER_RE.test(name)) {
      out.add(
        headerPath,
        'credentials are never inline in the spec; use bearerTokenFile, bearerTokenEnv or basicAuth',
      );
    } else if (typeof value === 'string' && /[\r\n]/.test(value)) {
      out.add(headerPath, 'must be a single line');
    }
  }
}

function checkLock(spec: Fields, out: IssueList): void {
  const lock = fieldsOf(spec.lock);
  const ms = tryParseDuration(lock.leaseDuration);
  if (ms === undefined || ms === 0) return;
  if (ms % 1000 !== 0) {
    out.add(['lock', 'leaseDuration'], 'must be whole seconds (a Lease counts in seconds)');
  } else if (ms < 5000) {
    out.add(
      ['lock', 'leaseDuration'],
      'must be at least 5s: shorter leases expire between renewals',
    );
  }
}

/** Every cross-field problem of a spec (possibly one that failed the schema). */
export function specRuleIssues(spec: unknown): RawIssue[] {
  if (!isFields(spec)) return [];
  const out = new IssueList();
  checkSlots(spec, out);
  checkRoutes(spec, out);
  checkPreRelease(spec, out);
  checkStrategy(spec, out);
  checkTiming(spec, out);
  checkItems(spec, out);
  checkSync(spec, out);
  checkPrometheus(spec, out);
  checkLock(spec, out);
  return out.issues;
}
