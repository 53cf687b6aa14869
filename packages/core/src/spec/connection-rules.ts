/**
 * Cross-field rules of how switchyard reaches and coordinates with the cluster: the sync
 * gate, Prometheus and the lock.
 */
import { formatDuration, tryParseDuration } from './duration.js';
import { labelSelectorProblem } from '../kube/label-selector.js';
import { SPEC_DEFAULTS } from './spec-defaults.js';
import {
  durationMs,
  fieldsOf,
  isFields,
  onlyOne,
  present,
  type Fields,
  type IssueList,
} from './unvalidated-spec.js';
import { describeValue } from './spec-issues.js';

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

/** The sync gate: poll interval within the timeout, a valid scope selector, istiod address and token. */
export function checkSync(spec: Fields, out: IssueList): void {
  const sync = fieldsOf(spec.sync);
  const timeoutMs = durationMs(sync, 'timeout', SPEC_DEFAULTS['sync.timeout']);
  const pollMs = durationMs(sync, 'pollInterval', SPEC_DEFAULTS['sync.pollInterval']);
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

/** How Prometheus is reached: url or service, one kind of credentials, none inline in headers. */
export function checkPrometheus(spec: Fields, out: IssueList): void {
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

/** The lease duration: whole seconds, at least 5s. */
export function checkLock(spec: Fields, out: IssueList): void {
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
