/**
 * Istio's `ValidateVirtualService` (pkg/config/validation/validation.go and virtualservice.go),
 * as istiod's validating webhook runs it, for what switchyard writes and reads: hosts, gateways,
 * HTTP routes, destinations and weights (relative since Istio 1.15: negative weights and an
 * all-zero multi-destination route are errors, sums other than 100 are fine), matches and regular
 * expressions, header operations, timeouts and mirroring, plus the unreachable-rule analysis that
 * only warns. Not simulated (the CRD schema still checks them): the contents of TLS and TCP
 * routes, CORS policies, fault injection, retries, redirects, direct responses and rewrites.
 */
import { goFixed, goQuote, goStringSlice } from './go-format.js';
import {
  isJwtClaimRoute,
  validateDuration,
  validateExportTo,
  validateGatewayNames,
  validateHeaderOperations,
  validateMatchHeaderName,
  validateSubsetName,
} from './istio-common-validation.js';
import {
  appendErrors,
  appendValidation,
  istioError,
  multiAppend,
  NO_VALIDATION,
  wrapError,
  wrapWarning,
  type IstioValidation,
  type MaybeError,
} from './istio-errors.js';
import {
  asMessage,
  duration,
  isSet,
  list,
  map,
  message,
  num,
  str,
  strings,
  type JsonObject,
} from './istio-json.js';
import {
  hostsMatch,
  isDns1123Label,
  isValidIpAddress,
  validateLabels,
  validatePort,
  validateWildcardDomain,
  validateWildcardDomainForGateway,
} from './istio-names.js';
import { regexSyntaxError } from './regex-syntax.js';

const ROUTE_SEMANTICS_ANNOTATION = 'internal.istio.io/route-semantics';

/** The match type a `StringMatch` has set (a protobuf oneof). */
function matchType(sm: JsonObject | undefined): 'exact' | 'prefix' | 'regex' | undefined {
  if (!sm) return undefined;
  if (isSet(sm, 'exact')) return 'exact';
  if (isSet(sm, 'prefix')) return 'prefix';
  if (isSet(sm, 'regex')) return 'regex';
  return undefined;
}

function validateStringRegexp(re: string, where: string): MaybeError {
  // Envoy limits RE2 program size; Istio approximates it by length.
  if (Buffer.byteLength(re) > 1024)
    return istioError(`${goQuote(where)}: regex is too large, max length allowed is 1024`);
  const error = regexSyntaxError(re);
  if (!error) return undefined;
  return istioError(
    `${goQuote(where)}: ${error}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`,
  );
}

function validateStringMatchRegexp(sm: JsonObject | undefined, where: string): MaybeError {
  if (matchType(sm) !== 'regex') return undefined;
  const re = str(sm, 'regex');
  if (re === '') return istioError(`${goQuote(where)}: regex string match should not be empty`);
  return validateStringRegexp(re, where);
}

function validateStringMatch(sm: JsonObject | undefined, where: string): MaybeError {
  switch (matchType(sm)) {
    case 'prefix':
      return str(sm, 'prefix') === ''
        ? istioError(`${goQuote(where)}: prefix string match should not be empty`)
        : undefined;
    case 'regex':
      return validateStringMatchRegexp(sm, where);
    default:
      return undefined;
  }
}

function validatePortSelector(port: JsonObject | undefined): MaybeError {
  return port ? validatePort(num(port, 'number')) : undefined;
}

/** `validateDestination`. */
function validateDestination(destination: JsonObject | undefined): MaybeError {
  if (!destination) return undefined;
  let errs: MaybeError;
  const host = str(destination, 'host');
  if (host === '*') errs = appendErrors(errs, istioError(`invalid destination host ${host}`));
  else errs = appendErrors(errs, validateWildcardDomain(host));
  const subset = str(destination, 'subset');
  if (subset !== '') errs = appendErrors(errs, validateSubsetName(subset));
  if (isSet(destination, 'port'))
    errs = appendErrors(errs, validatePortSelector(message(destination, 'port')));
  return errs;
}

function validateWeight(weight: number): MaybeError {
  return weight < 0 ? istioError(`weight ${weight} < 0`) : undefined;
}

/** `totalWeight += weight` on Go `int32`s: the sum wraps around past 2^31 - 1. */
function addInt32(total: number, weight: number): number {
  return (total + weight) | 0;
}

function validateHttpRouteDestinations(routes: unknown[], gatewaySemantics: boolean): MaybeError {
  let errs: MaybeError;
  let total = 0;
  for (const entry of routes) {
    const route = asMessage(entry);
    if (!route) {
      errs = multiAppend(errs, istioError('weight may not be nil'));
      continue;
    }
    if (!isSet(route, 'destination'))
      errs = multiAppend(errs, istioError('destination is required'));
    errs = appendErrors(errs, validateHeaderOperations(message(route, 'headers')));
    if (!gatewaySemantics)
      errs = appendErrors(errs, validateDestination(message(route, 'destination')));
    const weight = num(route, 'weight');
    errs = appendErrors(errs, validateWeight(weight));
    total = addInt32(total, weight);
  }
  if (routes.length > 1 && total === 0)
    errs = appendErrors(errs, istioError('total destination weight = 0'));
  return errs;
}

function validateHttpRouteConflict(
  http: JsonObject,
  rootRoute: boolean,
  delegate: boolean,
): MaybeError {
  let errs: MaybeError;
  const name = str(http, 'name');
  const routes = list(http, 'route');
  if (rootRoute) {
    if (isSet(http, 'redirect'))
      errs = appendErrors(errs, istioError(`root HTTP route ${name} must not specify redirect`));
    if (isSet(http, 'route'))
      errs = appendErrors(errs, istioError(`root HTTP route ${name} must not specify route`));
    return errs;
  }
  if (delegate && isSet(http, 'delegate'))
    errs = appendErrors(errs, istioError('delegate HTTP route cannot contain delegate'));
  if (isSet(http, 'redirect')) {
    if (routes.length > 0)
      errs = appendErrors(errs, istioError('HTTP route cannot contain both route and redirect'));
    if (isSet(http, 'fault'))
      errs = appendErrors(errs, istioError('HTTP route cannot contain both fault and redirect'));
    if (isSet(http, 'rewrite'))
      errs = appendErrors(
        errs,
        istioError('HTTP route rule cannot contain both rewrite and redirect'),
      );
    if (isSet(http, 'directResponse'))
      errs = appendErrors(
        errs,
        istioError('HTTP route rule cannot contain both direct_response and redirect'),
      );
  } else if (isSet(http, 'directResponse')) {
    if (routes.length > 0)
      errs = appendErrors(
        errs,
        istioError('HTTP route cannot contain both route and direct_response'),
      );
    if (isSet(http, 'fault'))
      errs = appendErrors(
        errs,
        istioError('HTTP route cannot contain both fault and direct_response'),
      );
    if (isSet(http, 'rewrite'))
      errs = appendErrors(
        errs,
        istioError('HTTP route rule cannot contain both rewrite and direct_response'),
      );
  } else if (routes.length === 0) {
    errs = appendErrors(errs, istioError('HTTP route, redirect or direct_response is required'));
  }
  if (isSet(http, 'mirror') && list(http, 'mirrors').length > 0) {
    errs = appendErrors(errs, istioError('HTTP route cannot contain both mirror and mirrors'));
  }
  return errs;
}

function validateHttpRouteMatchRequest(http: JsonObject): MaybeError {
  let errs: MaybeError;
  const matches = list(http, 'match').map(asMessage);
  for (const match of matches) {
    if (!match) continue;
    for (const [name, header] of Object.entries(map(match, 'headers'))) {
      if (header === null)
        errs = appendErrors(errs, istioError(`header match ${name} cannot be null`));
      errs = appendErrors(
        errs,
        validateMatchHeaderName(name),
        validateStringMatch(asMessage(header), 'headers'),
      );
    }
    for (const [name, header] of Object.entries(map(match, 'withoutHeaders'))) {
      errs = appendErrors(errs, validateMatchHeaderName(name));
      const sm = asMessage(header);
      // `*` is not RE2 here: Istio turns it into a presence match.
      if (sm && str(sm, 'regex') !== '*')
        errs = appendErrors(errs, validateStringMatch(sm, 'withoutHeaders'));
    }
    errs = appendErrors(errs, validateStringMatchRegexp(message(match, 'uri'), 'uri'));
    errs = appendErrors(errs, validateStringMatch(message(match, 'scheme'), 'scheme'));
    errs = appendErrors(errs, validateStringMatch(message(match, 'method'), 'method'));
    errs = appendErrors(errs, validateStringMatch(message(match, 'authority'), 'authority'));
    for (const value of Object.values(map(match, 'queryParams')))
      errs = appendErrors(errs, validateStringMatch(asMessage(value), 'queryParams'));
  }
  for (const match of matches) {
    if (!match) continue;
    const port = num(match, 'port');
    if (port !== 0) errs = appendErrors(errs, validatePort(port));
    errs = appendErrors(errs, validateLabels(message(match, 'sourceLabels')));
    errs = appendErrors(errs, validateGatewayNames(strings(match, 'gateways'), false));
    const sourceNamespace = str(match, 'sourceNamespace');
    if (sourceNamespace !== '' && !isDns1123Label(sourceNamespace)) {
      errs = appendErrors(errs, istioError(`sourceNamespace match ${sourceNamespace} is invalid`));
    }
  }
  return errs;
}

function validateMirrors(mirrors: unknown[]): IstioValidation {
  let v = NO_VALIDATION;
  for (const entry of mirrors) {
    const mirror = asMessage(entry);
    if (!mirror) {
      v = appendValidation(v, istioError('mirror cannot be null'));
      continue;
    }
    const destination = message(mirror, 'destination');
    if (!destination) {
      v = appendValidation(v, istioError('destination is required for mirrors'));
      continue;
    }
    v = appendValidation(v, validateDestination(destination));
    const percentage = message(mirror, 'percentage');
    if (percentage) {
      const value = num(percentage, 'value');
      if (value > 100)
        v = appendValidation(
          v,
          istioError(`mirror percentage must have a max value of 100 (it has ${goFixed(value)})`),
        );
      if (value < 0)
        v = appendValidation(
          v,
          istioError(`mirror percentage must have a min value of 0 (it has ${goFixed(value)})`),
        );
    }
  }
  return v;
}

function validateHttpRoute(
  http: JsonObject,
  delegate: boolean,
  gatewaySemantics: boolean,
): IstioValidation {
  const rootRoute = !delegate && isSet(http, 'delegate');
  let v = wrapError(validateHttpRouteConflict(http, rootRoute, delegate));
  v = appendValidation(v, validateHttpRouteMatchRequest(http));
  v = appendValidation(v, validateHeaderOperations(message(http, 'headers')));
  const mirrorPercent = http.mirrorPercent;
  if (mirrorPercent !== undefined && mirrorPercent !== null) {
    const value = typeof mirrorPercent === 'number' ? mirrorPercent : 0;
    if (value > 100)
      v = appendValidation(
        v,
        istioError(`mirror_percent must have a max value of 100 (it has ${value})`),
      );
    v = appendValidation(
      v,
      wrapWarning(
        istioError('using deprecated setting "mirrorPercent", use "mirrorPercentage" instead'),
      ),
    );
  }
  const mirrorPercentage = message(http, 'mirrorPercentage');
  if (mirrorPercentage) {
    const value = num(mirrorPercentage, 'value');
    if (value > 100)
      v = appendValidation(
        v,
        istioError(`mirror_percentage must have a max value of 100 (it has ${goFixed(value)})`),
      );
    if (value < 0)
      v = appendValidation(
        v,
        istioError(`mirror_percentage must have a min value of 0 (it has ${goFixed(value)})`),
      );
  }
  v = appendValidation(v, validateDestination(message(http, 'mirror')));
  v = appendValidation(v, validateMirrors(list(http, 'mirrors')));
  v = appendValidation(v, validateHttpRouteDestinations(list(http, 'route'), gatewaySemantics));
  const timeout = duration(http, 'timeout');
  if (timeout !== undefined) v = appendValidation(v, validateDuration(timeout));
  return v;
}

// Proto JSON of a match without its name and without zero values, for duplicate detection.
function matchKey(match: JsonObject | undefined): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value !== 'object' || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as JsonObject)[key]);
      if (v === undefined || v === null || v === false || v === 0 || v === '') continue;
      if (typeof v === 'object' && Object.keys(v).length === 0) continue;
      out[key] = v;
    }
    return out;
  };
  const { name: _name, ...rest } = match ?? {};
  return JSON.stringify(canonical(rest));
}

function routeName(route: JsonObject, index: number): string {
  const name = str(route, 'name');
  return name !== '' ? goQuote(name) : `#${index}`;
}

function requestName(match: JsonObject | undefined, index: number): string {
  const name = str(match, 'name');
  return name !== '' ? goQuote(name) : `#${index}`;
}

interface PrefixMatch {
  route: string;
  match: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

function exactOrPrefix(sm: JsonObject | undefined): string {
  if (str(sm, 'exact') !== '') return `exact:${str(sm, 'exact')}`;
  if (str(sm, 'prefix') !== '') return `prefix:${str(sm, 'prefix')}`;
  return '';
}

function stringMatchMap(parent: JsonObject, key: string): Map<string, string> {
  return new Map(
    Object.entries(map(parent, key)).map(([k, v]) => [k, exactOrPrefix(asMessage(v))]),
  );
}

function prefixMatch(
  route: JsonObject,
  match: JsonObject | undefined,
  rulen: number,
  matchn: number,
): PrefixMatch | undefined {
  const prefix = str(message(match, 'uri'), 'prefix');
  if (!match || prefix === '') return undefined;
  return {
    route: routeName(route, rulen),
    match: requestName(match, matchn),
    prefix,
    port: num(match, 'port'),
    method: exactOrPrefix(message(match, 'method')) || 'exact:GET',
    authority: exactOrPrefix(message(match, 'authority')),
    headers: stringMatchMap(match, 'headers'),
    queryParams: stringMatchMap(match, 'queryParams'),
    withoutHeaders: stringMatchMap(match, 'withoutHeaders'),
  };
}

function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  for (const key of ['headers', 'queryParams', 'withoutHeaders'] as const) {
    if (a[key].size !== b[key].size) return false;
    for (const [name, value] of a[key]) {
      const other = b[key].get(name);
      if (other === undefined || (value !== other && !value.startsWith(other))) return false;
    }
  }
  return true;
}

/** `analyzeUnreachableHTTPRules`: warnings for rules and matches that can never be used. */
function analyzeUnreachableHttpRules(routes: unknown[]): MaybeError {
  let warnings: MaybeError;
  const unused = (rule: string, reason: string): void => {
    warnings = appendErrors(
      warnings,
      istioError(`virtualService rule ${rule} not used (${reason})`),
    );
  };
  const ineffective = (rule: string, match: string, dup: string): void => {
    warnings = appendErrors(
      warnings,
      istioError(
        `virtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup})`,
      ),
    );
  };
  const encountered = new Map<string, number>();
  let emptyMatchAt = -1;
  const prefixMatches: PrefixMatch[] = [];
  routes.forEach((entry, rulen) => {
    const route = asMessage(entry);
    if (!route) return;
    const matches = list(route, 'match');
    if (matches.length === 0) {
      if (emptyMatchAt >= 0)
        unused(routeName(route, rulen), 'only the last rule can have no matches');
      emptyMatchAt = rulen;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, matchn) => {
      const match = asMessage(m);
      if (emptyMatchAt >= 0) {
        unused(routeName(route, rulen), 'route without matches defined before');
        return;
      }
      const key = matchKey(match);
      const dup = encountered.get(key);
      if (dup !== undefined) {
        ineffective(
          routeName(route, rulen),
          requestName(match, matchn),
          routeName(asMessage(routes[dup]) ?? {}, dup),
        );
        duplicates++;
        return;
      }
      encountered.set(key, rulen);
      const pm = prefixMatch(route, match, rulen, matchn);
      if (pm) prefixMatches.push(pm);
    });
    if (duplicates === matches.length)
      unused(routeName(route, rulen), 'all matches used by prior rules');
  });
  for (let i = 0; i < prefixMatches.length; i++) {
    for (let j = i + 1; j < prefixMatches.length; j++) {
      const a = prefixMatches[i] as PrefixMatch;
      const b = prefixMatches[j] as PrefixMatch;
      if (a.prefix === b.prefix) continue;
      if (covered(a, b))
        ineffective(
          b.route,
          `${b.match} of prefix ${b.prefix}`,
          `${a.match} of prefix ${a.prefix} on ${a.route}`,
        );
    }
  }
  return warnings;
}

/** Validates a VirtualService's `spec`; `metadata` supplies namespace and annotations. */
export function validateVirtualService(spec: JsonObject, metadata: JsonObject): IstioValidation {
  let v = NO_VALIDATION;
  const hosts = strings(spec, 'hosts');
  const gateways = strings(spec, 'gateways');
  const http = list(spec, 'http');
  const tls = list(spec, 'tls');
  const tcp = list(spec, 'tcp');
  if (hosts.length === 0) {
    // No hosts: a delegate VirtualService.
    if (gateways.length !== 0)
      v = appendValidation(
        v,
        istioError('delegate virtual service must have no gateways specified'),
      );
    if (tls.length !== 0)
      v = appendValidation(
        v,
        istioError('delegate virtual service must have no tls route specified'),
      );
    if (tcp.length !== 0)
      v = appendValidation(
        v,
        istioError('delegate virtual service must have no tcp route specified'),
      );
  }
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
  const gatewaySemantics = annotations[ROUTE_SEMANTICS_ANNOTATION] === 'gateway';
  // A VirtualService without gateways applies to the mesh; with gateways, to them unless `mesh` is listed.
  const appliesToGateway = gateways.length > 0 && !gateways.includes('mesh');
  const appliesToMesh = !appliesToGateway;
  if (gateways.length > 0)
    v = appendValidation(v, validateGatewayNames(gateways, gatewaySemantics));
  if (!appliesToGateway) {
    for (const route of http.map(asMessage)) {
      for (const match of list(route, 'match').map(asMessage)) {
        for (const key of [
          ...Object.keys(map(match, 'headers')),
          ...Object.keys(map(match, 'withoutHeaders')),
        ]) {
          if (isJwtClaimRoute(key)) {
            v = appendValidation(
              v,
              istioError(
                `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: ${goStringSlice(gateways)}`,
              ),
            );
          }
        }
      }
    }
  }
  let allHostsValid = true;
  for (const host of hosts) {
    const err = appliesToGateway
      ? validateWildcardDomainForGateway(false, host)
      : validateWildcardDomain(host);
    if (err) {
      if (!isValidIpAddress(host)) {
        v = appendValidation(v, err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && host === '*') {
      v = appendValidation(
        v,
        istioError('wildcard host * is not allowed for virtual services bound to the mesh gateway'),
      );
      allHostsValid = false;
    }
  }
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        const a = hosts[i] as string;
        const b = hosts[j] as string;
        if (hostsMatch(a, b))
          v = appendValidation(v, istioError(`duplicate hosts in virtual service: ${a} & ${b}`));
      }
    }
  }
  if (http.length === 0 && tcp.length === 0 && tls.length === 0) {
    v = appendValidation(v, istioError('http, tcp or tls must be provided in virtual service'));
  }
  for (const entry of http) {
    const route = asMessage(entry);
    if (!route) {
      v = appendValidation(v, istioError('http route may not be null'));
      continue;
    }
    v = appendValidation(v, validateHttpRoute(route, hosts.length === 0, gatewaySemantics));
  }
  v = appendValidation(
    v,
    validateExportTo(str(metadata, 'namespace'), strings(spec, 'exportTo'), false),
  );
  return appendValidation(v, wrapWarning(analyzeUnreachableHttpRules(http)));
}
