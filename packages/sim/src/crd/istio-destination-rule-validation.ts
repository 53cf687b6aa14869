/**
 * Istio's `ValidateDestinationRule` (pkg/config/validation/validation.go): host, traffic policy
 * (outlier detection, connection pool, load balancer with consistent hash and locality settings,
 * client TLS, port-level settings, tunnel), subsets (name, labels, uniqueness), exportTo and the
 * workload selector, with istiod's messages.
 */
import { goQuote } from './go-format.js';
import {
  validateDuration,
  validateExportTo,
  validatePercent,
  validateSubsetName,
  validateWorkloadSelector,
} from './istio-common-validation.js';
import {
  appendErrors,
  appendValidation,
  istioError,
  NO_VALIDATION,
  wrapError,
  wrapWarning,
  type IstioValidation,
  type MaybeError,
} from './istio-errors.js';
import {
  asMessage,
  bool,
  duration,
  isSet,
  list,
  map,
  message,
  num,
  str,
  strings,
  wrapped,
  type JsonObject,
} from './istio-json.js';
import {
  isValidIpAddress,
  validateFqdn,
  validateLabels,
  validatePort,
  validateWildcardDomain,
} from './istio-names.js';

const TOPOLOGY_LABELS = new Set([
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
]);

function validateOutlierDetection(outlier: JsonObject | undefined): IstioValidation {
  let v = NO_VALIDATION;
  if (!outlier) return v;
  const baseEjectionTime = duration(outlier, 'baseEjectionTime');
  if (baseEjectionTime !== undefined) v = appendValidation(v, validateDuration(baseEjectionTime));
  if (num(outlier, 'consecutiveErrors') !== 0) {
    v = appendValidation(
      v,
      wrapWarning(
        istioError(
          'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
        ),
      ),
    );
  }
  const localOriginFailures = wrapped(outlier, 'consecutiveLocalOriginFailures');
  if (
    !bool(outlier, 'splitExternalLocalOriginErrors') &&
    typeof localOriginFailures === 'number' &&
    localOriginFailures > 0
  ) {
    v = appendValidation(
      v,
      istioError(
        'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
      ),
    );
  }
  const interval = duration(outlier, 'interval');
  if (interval !== undefined) v = appendValidation(v, validateDuration(interval));
  return appendValidation(
    v,
    validatePercent(num(outlier, 'maxEjectionPercent')),
    validatePercent(num(outlier, 'minHealthPercent')),
  );
}

function validateConnectionPool(settings: JsonObject | undefined): MaybeError {
  if (!settings) return undefined;
  const http = message(settings, 'http');
  const tcp = message(settings, 'tcp');
  if (!http && !tcp) return istioError('connection pool must have at least one field');
  let errs: MaybeError;
  const negative = (parent: JsonObject, key: string, text: string): void => {
    if (num(parent, key) < 0) errs = appendErrors(errs, istioError(text));
  };
  if (http) {
    negative(http, 'http1MaxPendingRequests', 'http1 max pending requests must be non-negative');
    negative(http, 'http2MaxRequests', 'http2 max requests must be non-negative');
    negative(http, 'maxRequestsPerConnection', 'max requests per connection must be non-negative');
    negative(http, 'maxRetries', 'max retries must be non-negative');
    const idleTimeout = duration(http, 'idleTimeout');
    if (idleTimeout !== undefined) errs = appendErrors(errs, validateDuration(idleTimeout));
    if (str(http, 'h2UpgradePolicy') === 'UPGRADE' && bool(http, 'useClientProtocol')) {
      errs = appendErrors(
        errs,
        istioError('use client protocol must not be true when H2UpgradePolicy is UPGRADE'),
      );
    }
    negative(http, 'maxConcurrentStreams', 'max concurrent streams must be non-negative');
  }
  if (tcp) {
    negative(tcp, 'maxConnections', 'max connections must be non-negative');
    for (const key of ['connectTimeout', 'maxConnectionDuration']) {
      const value = duration(tcp, key);
      if (value !== undefined) errs = appendErrors(errs, validateDuration(value));
    }
    const idleTimeout = duration(tcp, 'idleTimeout');
    // 0s disables the idle timeout, so it is not checked.
    if (idleTimeout !== undefined && idleTimeout / 1_000_000n !== 0n)
      errs = appendErrors(errs, validateDuration(idleTimeout));
    const keepalive = message(tcp, 'tcpKeepalive');
    for (const key of ['time', 'interval']) {
      const value = duration(keepalive, key);
      if (value !== undefined) errs = appendErrors(errs, validateDuration(value));
    }
  }
  return errs;
}

// Envoy's primality test for maglev table sizes.
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let factor = 3; factor <= limit; factor += 2) if (x % factor === 0) return false;
  return true;
}

function localityParts(locality: string): string[] | undefined {
  const parts: string[] = [];
  let rest = locality;
  while (parts.length < 2 && rest.includes('/')) {
    const slash = rest.indexOf('/');
    parts.push(rest.slice(0, slash));
    rest = rest.slice(slash + 1);
  }
  parts.push(rest);
  return parts.some((p) => p === '') ? undefined : parts;
}

function validateLocalities(localities: readonly string[]): MaybeError {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 0 && (stars > 1 || !locality.endsWith('*'))) {
      return istioError(
        `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`,
      );
    }
    const overlap = istioError(`locality ${locality} overlap with previous specified ones`);
    if (seen.has('*')) return overlap;
    const parts = localityParts(locality);
    if (!parts)
      return istioError(`locality ${locality} must not contain empty region/zone/subzone info`);
    const [region = '', zone = '', subZone = ''] = parts;
    if (parts.length === 1) {
      if (seen.has(region)) return overlap;
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (parts.length === 2) {
      const zones = seen.get(region);
      if (zones) {
        if (zones.has('*') || zones.has(zone)) return overlap;
        zones.set(zone, new Set(['*']));
      } else {
        seen.set(region, new Map([[zone, new Set(['*'])]]));
      }
    } else {
      const zones = seen.get(region);
      if (zones) {
        if (zones.has('*')) return overlap;
        const subZones = zones.get(zone);
        if (subZones) {
          if (subZones.has('*') || subZones.has(subZone)) return overlap;
          subZones.add(subZone);
        } else {
          zones.set(zone, new Set([subZone]));
        }
      } else {
        seen.set(region, new Map([[zone, new Set([subZone])]]));
      }
    }
  }
  return undefined;
}

function validateLocalityLbSetting(
  lb: JsonObject | undefined,
  outlier: JsonObject | undefined,
): IstioValidation {
  let v = NO_VALIDATION;
  if (!lb) return v;
  const distribute = list(lb, 'distribute').map(asMessage);
  const failover = list(lb, 'failover').map(asMessage);
  const failoverPriority = strings(lb, 'failoverPriority');
  if (distribute.length > 0 && failover.length > 0)
    return appendValidation(
      v,
      istioError("can not simultaneously specify 'distribute' and 'failover'"),
    );
  if (failover.length > 0) {
    const topology = failoverPriority.find((label) => TOPOLOGY_LABELS.has(label));
    if (topology)
      return appendValidation(
        v,
        istioError(
          `can not simultaneously set 'failover' and topology label '${topology}' in 'failover_priority'`,
        ),
      );
  }
  const sources: string[] = [];
  for (const entry of distribute) {
    sources.push(str(entry, 'from'));
    let total = 0;
    const destinations: string[] = [];
    for (const [locality, weight] of Object.entries(map(entry, 'to'))) {
      destinations.push(locality);
      const w = typeof weight === 'number' ? weight : 0;
      if (w <= 0 || w > 100)
        return appendValidation(v, istioError('locality weight must be in range [1, 100]'));
      total += w;
    }
    if (total !== 100)
      return appendValidation(v, istioError(`total locality weight ${total} != 100`));
    v = appendValidation(v, validateLocalities(destinations));
  }
  v = appendValidation(v, validateLocalities(sources));
  if ((failover.length > 0 || failoverPriority.length > 0) && !outlier) {
    v = appendValidation(
      v,
      wrapWarning(istioError('outlier detection policy must be provided for failover')),
    );
  }
  for (const entry of failover) {
    const from = str(entry, 'from');
    const to = str(entry, 'to');
    if (from === to)
      v = appendValidation(
        v,
        istioError('locality lb failover settings must specify different regions'),
      );
    if (from.includes('/') || to.includes('/'))
      v = appendValidation(v, istioError('locality lb failover only specify region'));
    if (from.includes('*') || to.includes('*'))
      v = appendValidation(
        v,
        istioError("locality lb failover region should not contain '*' wildcard"),
      );
  }
  return v;
}

function validateLoadBalancer(
  settings: JsonObject | undefined,
  outlier: JsonObject | undefined,
): IstioValidation {
  let v = NO_VALIDATION;
  if (!settings) return v;
  const consistentHash = message(settings, 'consistentHash');
  if (consistentHash) {
    const cookie = message(consistentHash, 'httpCookie');
    if (cookie && str(cookie, 'name') === '')
      v = appendValidation(v, istioError('name required for HttpCookie'));
    const minimumRingSize = num(consistentHash, 'minimumRingSize');
    if (minimumRingSize !== 0) {
      v = appendValidation(
        v,
        wrapWarning(
          istioError(
            "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
          ),
        ),
      );
    }
    if (
      minimumRingSize !== 0 &&
      (isSet(consistentHash, 'ringHash') || isSet(consistentHash, 'maglev'))
    ) {
      v = appendValidation(
        v,
        istioError('only one of MinimumRingSize or Maglev/Ringhash can be specified'),
      );
    }
    const maglev = message(consistentHash, 'maglev');
    if (maglev) {
      const tableSize = num(maglev, 'tableSize');
      if (tableSize === 0) v = appendValidation(v, istioError('tableSize must be set for maglev'));
      if (tableSize >= 5000011)
        v = appendValidation(v, istioError('tableSize must be less than 5000011 for maglev'));
      if (!isPrime(tableSize))
        v = appendValidation(v, istioError('tableSize must be a prime number for maglev'));
    }
  }
  v = appendValidation(
    v,
    validateLocalityLbSetting(message(settings, 'localityLbSetting'), outlier),
  );
  const warmup = message(settings, 'warmup');
  if (warmup) {
    const warmupDuration = duration(warmup, 'duration');
    v = appendValidation(
      v,
      warmupDuration === undefined
        ? istioError('duration is required')
        : validateDuration(warmupDuration),
    );
    const minimumPercent = wrapped(warmup, 'minimumPercent');
    if (typeof minimumPercent === 'number' && minimumPercent > 100) {
      v = appendValidation(
        v,
        istioError('minimumPercent value should be less than or equal to 100'),
      );
    }
    const aggression = wrapped(warmup, 'aggression');
    if (typeof aggression === 'number' && aggression < 1)
      v = appendValidation(v, istioError('aggression should be greater than or equal to 1'));
  }
  return v;
}

/** `agent.ValidateTLS` for client TLS settings. */
function validateClientTls(namespace: string, settings: JsonObject | undefined): MaybeError {
  if (!settings) return undefined;
  let errs: MaybeError;
  const mode = str(settings, 'mode') || 'DISABLE';
  const credentialName = str(settings, 'credentialName');
  if (credentialName.startsWith('configmap://')) {
    const name = credentialName.slice('configmap://'.length);
    const refNamespace = name.includes('/') ? name.slice(0, name.indexOf('/')) : namespace;
    if (refNamespace !== namespace || namespace === '') {
      errs = appendErrors(
        errs,
        istioError(
          `invalid configmap:// credentialName: namespace must match the configuration namespace ${goQuote(namespace)}`,
        ),
      );
    }
  }
  const caCertificates = str(settings, 'caCertificates');
  const subjectAltNames = strings(settings, 'subjectAltNames');
  if (wrapped(settings, 'insecureSkipVerify') === true) {
    if (
      mode === 'SIMPLE' &&
      (caCertificates !== '' || credentialName !== '' || subjectAltNames.length > 0)
    ) {
      errs = appendErrors(
        errs,
        istioError(
          'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
        ),
      );
    }
    if (mode === 'MUTUAL' && (caCertificates !== '' || subjectAltNames.length > 0)) {
      errs = appendErrors(
        errs,
        istioError(
          'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true',
        ),
      );
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName !== '') {
    if (
      str(settings, 'clientCertificate') !== '' ||
      caCertificates !== '' ||
      str(settings, 'privateKey') !== '' ||
      str(settings, 'caCrl') !== ''
    ) {
      errs = appendErrors(
        errs,
        istioError(
          'cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
        ),
      );
    }
    return errs;
  }
  if (mode === 'MUTUAL') {
    if (str(settings, 'clientCertificate') === '')
      errs = appendErrors(errs, istioError('client certificate required for mutual tls'));
    if (str(settings, 'privateKey') === '')
      errs = appendErrors(errs, istioError('private key required for mutual tls'));
  }
  return errs;
}

function validatePortTrafficPolicies(namespace: string, policies: unknown[]): MaybeError {
  let errs: MaybeError;
  for (const entry of policies) {
    const policy = asMessage(entry);
    if (!policy) {
      errs = appendErrors(errs, istioError('traffic policy may not be null'));
      continue;
    }
    if (!isSet(policy, 'port'))
      errs = appendErrors(errs, istioError('portTrafficPolicy must have valid port'));
    const outlier = message(policy, 'outlierDetection');
    const pool = message(policy, 'connectionPool');
    const lb = message(policy, 'loadBalancer');
    const tls = message(policy, 'tls');
    if (!outlier && !pool && !lb && !tls) {
      errs = appendErrors(errs, istioError('port traffic policy must have at least one field'));
    } else {
      errs = appendErrors(
        errs,
        validateOutlierDetection(outlier),
        validateConnectionPool(pool),
        validateLoadBalancer(lb, outlier),
        validateClientTls(namespace, tls),
      );
    }
  }
  return errs;
}

function validateTunnel(tunnel: JsonObject | undefined): MaybeError {
  if (!tunnel) return undefined;
  let errs: MaybeError;
  const protocol = str(tunnel, 'protocol');
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST')
    errs = appendErrors(errs, istioError('tunnel protocol must be "CONNECT" or "POST"'));
  const host = str(tunnel, 'targetHost');
  const fqdnError = validateFqdn(host);
  if (fqdnError && !isValidIpAddress(host)) {
    errs = appendErrors(
      errs,
      istioError(
        `tunnel target host must be valid FQDN or IP address: ${fqdnError.messages.join('\n')}; ${host} is not a valid IP`,
      ),
    );
  }
  const portError = validatePort(num(tunnel, 'targetPort'));
  if (portError)
    errs = appendErrors(
      errs,
      istioError(`tunnel target port is invalid: ${portError.messages.join('\n')}`),
    );
  return errs;
}

function validateTrafficPolicy(namespace: string, policy: JsonObject | undefined): IstioValidation {
  if (!policy) return NO_VALIDATION;
  const fields = [
    'outlierDetection',
    'connectionPool',
    'loadBalancer',
    'tls',
    'portLevelSettings',
    'tunnel',
    'proxyProtocol',
  ];
  if (!fields.some((field) => isSet(policy, field)))
    return wrapError(istioError('traffic policy must have at least one field'));
  if (isSet(policy, 'tunnel') && isSet(policy, 'proxyProtocol'))
    return wrapError(istioError('tunnel and proxyProtocol must not be set together'));
  const outlier = message(policy, 'outlierDetection');
  return appendValidation(
    validateOutlierDetection(outlier),
    validateConnectionPool(message(policy, 'connectionPool')),
    validateLoadBalancer(message(policy, 'loadBalancer'), outlier),
    validateClientTls(namespace, message(policy, 'tls')),
    validatePortTrafficPolicies(namespace, list(policy, 'portLevelSettings')),
    validateTunnel(message(policy, 'tunnel')),
  );
}

/** Validates a DestinationRule's `spec`; `metadata` supplies the namespace. */
export function validateDestinationRule(spec: JsonObject, metadata: JsonObject): IstioValidation {
  const namespace = str(metadata, 'namespace');
  let v = appendValidation(
    NO_VALIDATION,
    validateWildcardDomain(str(spec, 'host')),
    validateTrafficPolicy(namespace, message(spec, 'trafficPolicy')),
  );
  const names = new Set<string>();
  for (const entry of list(spec, 'subsets')) {
    const subset = asMessage(entry);
    if (!subset) {
      v = appendValidation(v, istioError('subset may not be null'));
      continue;
    }
    const name = str(subset, 'name');
    if (names.has(name)) v = appendValidation(v, istioError(`duplicate subset names: ${name}`));
    names.add(name);
    v = appendValidation(
      v,
      appendErrors(
        validateSubsetName(name),
        validateLabels(message(subset, 'labels')),
        validateTrafficPolicy(namespace, message(subset, 'trafficPolicy')),
      ),
    );
  }
  const selector = message(spec, 'workloadSelector');
  v = appendValidation(
    v,
    validateExportTo(namespace, strings(spec, 'exportTo'), selector !== undefined),
  );
  return appendValidation(v, validateWorkloadSelector(selector));
}
