/**
 * Checks shared by Istio's VirtualService, DestinationRule and Gateway validation
 * (pkg/config/validation/validation.go and agent/validation.go): durations, percentages,
 * exportTo, workload selectors, gateway references, header names and values, subsets, IPs.
 */
import { goQuote } from './go-format.js';
import {
  appendErrors,
  appendValidation,
  istioError,
  NO_VALIDATION,
  wrapWarning,
  type IstioValidation,
  type MaybeError,
} from './istio-errors.js';
import { isDns1123Label, validateFqdn } from './istio-names.js';
import type { JsonObject } from './istio-json.js';

const MILLISECOND = 1_000_000n;

/** `agent.ValidateDuration`: at least 1ms, whole milliseconds. */
export function validateDuration(nanos: bigint): MaybeError {
  if (nanos < MILLISECOND) return istioError('duration must be greater than 1ms');
  if (nanos % MILLISECOND !== 0n) return istioError('only durations to ms precision are supported');
  return undefined;
}

function validateVisibility(value: string): MaybeError {
  switch (value) {
    case '.':
    case '*':
      return undefined;
    case '~':
      return istioError('exportTo ~ (none) is not allowed for Istio configuration objects');
    default:
      return isDns1123Label(value)
        ? undefined
        : istioError('only .,*,~, or a valid DNS 1123 label is allowed as exportTo entry');
  }
}

/** `validateExportTo` (for VirtualServices and DestinationRules; ServiceEntries differ). */
export function validateExportTo(
  namespace: string,
  exportTo: readonly string[],
  destinationRuleWithSelector: boolean,
): MaybeError {
  if (exportTo.length === 0) return undefined;
  let errs: MaybeError;
  const seen = new Set<string>();
  for (const entry of exportTo) {
    const key = entry === '.' ? namespace : entry;
    if (seen.has(key)) {
      errs = appendErrors(
        errs,
        istioError(
          key !== entry
            ? `duplicate entries in exportTo: . and current namespace ${namespace}`
            : `duplicate entries in exportTo for entry ${entry}`,
        ),
      );
    } else {
      const invalid = validateVisibility(key);
      if (invalid) errs = appendErrors(errs, invalid);
      else seen.add(key);
    }
  }
  if (destinationRuleWithSelector && seen.size > 0) {
    if (seen.has(namespace)) {
      if (seen.size > 1)
        errs = appendErrors(
          errs,
          istioError(
            'destination rule with workload selector cannot have multiple entries in exportTo',
          ),
        );
    } else {
      errs = appendErrors(
        errs,
        istioError(
          'destination rule with workload selector cannot have exportTo beyond current namespace',
        ),
      );
    }
  }
  if (seen.has('*') && exportTo.length > 1) {
    errs = appendErrors(
      errs,
      istioError('cannot have both public (*) and non-public exportTo values for a resource'),
    );
  }
  if (seen.has('~') && exportTo.length > 1)
    errs = appendErrors(errs, istioError('cannot export service entry to no one (~) and someone'));
  return errs;
}

/** `validateWorkloadSelector` (type.v1beta1.WorkloadSelector: `matchLabels`). */
export function validateWorkloadSelector(selector: JsonObject | undefined): IstioValidation {
  let v = NO_VALIDATION;
  if (!selector) return v;
  const labels = (selector.matchLabels ?? {}) as Record<string, unknown>;
  for (const [key, raw] of Object.entries(labels)) {
    const value = typeof raw === 'string' ? raw : '';
    if (key === '')
      v = appendValidation(
        v,
        istioError(`empty key is not supported in selector: ${goQuote(`${key}=${value}`)}`),
      );
    if (key.includes('*') || value.includes('*')) {
      v = appendValidation(
        v,
        istioError(`wildcard is not supported in selector: ${goQuote(`${key}=${value}`)}`),
      );
    }
  }
  if (Object.keys(labels).length === 0)
    v = appendValidation(v, wrapWarning(istioError('workload selector specified without labels')));
  return v;
}

/** `validateGatewayNames`: `namespace/name` references (or legacy FQDN names). */
export function validateGatewayNames(
  names: readonly string[],
  gatewaySemantics: boolean,
): IstioValidation {
  let v = NO_VALIDATION;
  for (const name of names) {
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        const recommended = `${parts[1]}/${parts[0]}`;
        v = appendValidation(
          v,
          wrapWarning(
            istioError(
              `using legacy gatewayName format ${goQuote(name)}; prefer the <namespace>/<name> format: ${goQuote(recommended)}`,
            ),
          ),
        );
      }
      // Istio returns here: later names in the list are not checked.
      return appendValidation(v, validateFqdn(name));
    }
    const namespace = name.slice(0, slash);
    const gateway = name.slice(slash + 1);
    if (namespace.length === 0 || gateway.length === 0)
      v = appendValidation(v, istioError('config namespace and gateway name cannot be empty'));
    if (!isDns1123Label(namespace))
      v = appendValidation(v, istioError(`invalid value for namespace: ${goQuote(namespace)}`));
    if (!isDns1123Label(gateway) && !gatewaySemantics)
      v = appendValidation(v, istioError(`invalid value for gateway name: ${goQuote(gateway)}`));
  }
  return v;
}

// RFC 7230 token characters.
const VALID_HEADER_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const JWT_CLAIM_PREFIX = '@request.auth.claims';

/** `jwt.ToRoutingClaim(name).Match`: `@request.auth.claims.x` or `@request.auth.claims[x]`. */
export function isJwtClaimRoute(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM_PREFIX)) return false;
  const rest = name.slice(JWT_CLAIM_PREFIX.length);
  return (
    (rest.startsWith('.') && rest.length > 1) ||
    (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2)
  );
}

/** `ValidateHTTPHeaderNameOrJwtClaimRoute` (match headers): RFC 7230 token, pseudo header or JWT claim. */
export function validateMatchHeaderName(name: string): MaybeError {
  if (name === '') return istioError('header name cannot be empty');
  if (isJwtClaimRoute(name) || PSEUDO_HEADERS.has(name)) return undefined;
  if (!VALID_HEADER_NAME.test(name))
    return istioError(`header name ${name} is not a valid header name`);
  return undefined;
}

function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

/** True for `:authority` and `host` (case-insensitively). */
export function isAuthorityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === ':authority' || lower === 'host';
}

/** `ValidateHTTPHeaderWithAuthorityOperationName`: request add/set names. */
export function validateRequestHeaderOperationName(name: string): MaybeError {
  if (name === '') return istioError('header name cannot be empty');
  if (isInternalHeader(name) && !isAuthorityHeader(name))
    return istioError(`invalid header ${goQuote(name)}: header cannot have ":" prefix`);
  return undefined;
}

/** `ValidateHTTPHeaderOperationName`: request remove and response add/set/remove names. */
export function validateHeaderOperationName(name: string): MaybeError {
  if (name === '') return istioError('header name cannot be empty');
  if (name.toLowerCase() === 'host')
    return istioError(`invalid header ${goQuote(name)}: cannot set Host header`);
  if (isInternalHeader(name))
    return istioError(`invalid header ${goQuote(name)}: header cannot have ":" prefix`);
  return undefined;
}

// Envoy's header value rule (protoc-gen-validate): no control characters other than tab.
function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x08 || (code >= 0x0a && code <= 0x1f) || code === 0x7f) return true;
  }
  return false;
}

/**
 * `ValidateHTTPHeaderValue`: no control characters. Istio additionally checks `%...%` Envoy
 * substitutions (header_value_validator.go); the simulator does not.
 */
export function validateHeaderValue(value: string): MaybeError {
  return hasControlCharacters(value)
    ? istioError(`header value configuration ${value} is invalid`)
    : undefined;
}

/** The request/response header manipulations of a route or destination. */
export function validateHeaderOperations(headers: JsonObject | undefined): MaybeError {
  let errs: MaybeError;
  const request = headers?.request as JsonObject | undefined;
  const response = headers?.response as JsonObject | undefined;
  const entries = (section: JsonObject | undefined, key: string): [string, string][] =>
    Object.entries((section?.[key] ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : '',
    ]);
  const removals = (section: JsonObject | undefined): string[] =>
    Array.isArray(section?.remove)
      ? (section.remove as unknown[]).map((r) => (typeof r === 'string' ? r : ''))
      : [];
  for (const key of ['add', 'set']) {
    for (const [name, value] of entries(request, key)) {
      errs = appendErrors(
        errs,
        validateRequestHeaderOperationName(name),
        validateHeaderValue(value),
      );
    }
  }
  for (const name of removals(request))
    errs = appendErrors(errs, validateHeaderOperationName(name));
  for (const key of ['add', 'set']) {
    for (const [name, value] of entries(response, key)) {
      errs = appendErrors(errs, validateHeaderOperationName(name), validateHeaderValue(value));
    }
  }
  for (const name of removals(response))
    errs = appendErrors(errs, validateHeaderOperationName(name));
  return errs;
}

/** `validateSubsetName`. */
export function validateSubsetName(name: string): MaybeError {
  if (name.length === 0) return istioError('subset name cannot be empty');
  if (!isDns1123Label(name)) return istioError(`subset name is invalid: ${name}`);
  return undefined;
}
