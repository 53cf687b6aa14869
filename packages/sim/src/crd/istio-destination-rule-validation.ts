/**
 * Istio's `ValidateDestinationRule` (pkg/config/validation/validation.go), for what switchyard
 * reads: host, subsets (name, labels, uniqueness), that a traffic policy sets something,
 * exportTo and the workload selector, with istiod's messages. Not simulated (the CRD schema
 * still checks them): the contents of outlier detection, connection pool, load balancer, client
 * TLS and tunnel settings.
 */
import {
  validateExportTo,
  validateSubsetName,
  validateWorkloadSelector,
} from './istio-common-validation.js';
import {
  appendErrors,
  appendValidation,
  istioError,
  NO_VALIDATION,
  wrapError,
  type IstioValidation,
  type MaybeError,
} from './istio-errors.js';
import { asMessage, isSet, list, message, str, strings, type JsonObject } from './istio-json.js';
import { validateLabels, validateWildcardDomain } from './istio-names.js';

function validatePortTrafficPolicies(policies: unknown[]): MaybeError {
  let errs: MaybeError;
  for (const entry of policies) {
    const policy = asMessage(entry);
    if (!policy) {
      errs = appendErrors(errs, istioError('traffic policy may not be null'));
      continue;
    }
    if (!isSet(policy, 'port'))
      errs = appendErrors(errs, istioError('portTrafficPolicy must have valid port'));
    if (
      !['outlierDetection', 'connectionPool', 'loadBalancer', 'tls'].some((f) => isSet(policy, f))
    )
      errs = appendErrors(errs, istioError('port traffic policy must have at least one field'));
  }
  return errs;
}

function validateTrafficPolicy(policy: JsonObject | undefined): IstioValidation {
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
  return wrapError(validatePortTrafficPolicies(list(policy, 'portLevelSettings')));
}

/** Validates a DestinationRule's `spec`; `metadata` supplies the namespace. */
export function validateDestinationRule(spec: JsonObject, metadata: JsonObject): IstioValidation {
  const namespace = str(metadata, 'namespace');
  let v = appendValidation(
    NO_VALIDATION,
    validateWildcardDomain(str(spec, 'host')),
    validateTrafficPolicy(message(spec, 'trafficPolicy')),
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
        validateTrafficPolicy(message(subset, 'trafficPolicy')),
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
