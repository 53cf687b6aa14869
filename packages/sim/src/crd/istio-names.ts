/**
 * Istio's name checks (pkg/config/labels, pkg/config/host, pkg/config/validation/agent):
 * DNS-1123 labels, wildcard domains, FQDNs, label maps, ports, `namespace/host` gateway hosts
 * and host-name overlap, with istiod's messages.
 */
import { isIP } from 'node:net';
import { goQuote } from './go-format.js';
import { istioError, multiAppend, type MaybeError } from './istio-errors.js';

const DNS1123_LABEL = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const WILDCARD_PREFIX_RE = new RegExp(`^(\\*|(\\*|\\*-)?${DNS1123_LABEL})$`);
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const DNS_NAME_PREFIX = `${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*/`;
const TAG_RE = new RegExp(`^(${DNS_NAME_PREFIX})?(${QUALIFIED_NAME})$`);
const LABEL_VALUE_RE = new RegExp(`^(${QUALIFIED_NAME})?$`);

/** `labels.IsDNS1123Label` (upper case allowed, as in Istio). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL_RE.test(value);
}

/** `labels.IsWildcardDNS1123Label`: `*`, `*foo`, `*-foo` or a label. */
export function isWildcardDns1123Label(value: string): boolean {
  return value.length <= 63 && WILDCARD_PREFIX_RE.test(value);
}

/** `netutil.IsValidIPAddress` (netip.ParseAddr: IPv4, IPv6, IPv6 with a zone). */
export function isValidIpAddress(value: string): boolean {
  if (isIP(value) === 4) return !/(^|\.)0\d/.test(value);
  const zone = value.indexOf('%');
  if (zone >= 0) return zone < value.length - 1 && isIP(value.slice(0, zone)) === 6;
  return isIP(value) === 6;
}

/** `agent.ValidatePort`. */
export function validatePort(port: number): MaybeError {
  return port >= 1 && port <= 65535
    ? undefined
    : istioError(`port number ${port} must be in the range 1..65535`);
}

function checkDns1123Preconditions(name: string): MaybeError {
  if (Buffer.byteLength(name) > 255)
    return istioError(`domain name ${goQuote(name)} too long (max 255)`);
  if (name.length === 0) return istioError('empty domain name not allowed');
  return undefined;
}

function validateDns1123Labels(domain: string): MaybeError {
  const parts = domain.split('.');
  const topLevel = parts[parts.length - 1] as string;
  if (/^[+-]?\d+$/.test(topLevel)) {
    return istioError(
      `domain name ${goQuote(domain)} invalid (top level domain ${goQuote(topLevel)} cannot be all-numeric)`,
    );
  }
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] as string;
    // A trailing dot is allowed (`istio.io.`).
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDns1123Label(label))
      return istioError(`domain name ${goQuote(domain)} invalid (label ${goQuote(label)} invalid)`);
  }
  return undefined;
}

/** `agent.ValidateFQDN`. */
export function validateFqdn(fqdn: string): MaybeError {
  return checkDns1123Preconditions(fqdn) ?? validateDns1123Labels(fqdn);
}

/** `agent.ValidateWildcardDomain`: a domain whose first label may be a wildcard. */
export function validateWildcardDomain(domain: string): MaybeError {
  const precondition = checkDns1123Preconditions(domain);
  if (precondition) return precondition;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDns1123Label(first))
    return istioError(`domain name ${goQuote(domain)} invalid (label ${goQuote(first)} invalid)`);
  return dot < 0 ? undefined : validateDns1123Labels(domain.slice(dot + 1));
}

/** `agent.ValidateWildcardDomainForVirtualServiceBoundToGateway`. */
export function validateWildcardDomainForGateway(sni: boolean, domain: string): MaybeError {
  const precondition = checkDns1123Preconditions(domain);
  if (precondition) return precondition;
  if (sni && domain.startsWith('outbound_')) {
    const format = 'outbound_.<PORT>_._.<HOSTNAME>';
    const parts = domain.split('_');
    if (parts.length < 4)
      return istioError(`domain name ${domain} invalid, should follow '${format}' format`);
    const port = (parts[1] as string).replace(/^\.+|\.+$/g, '');
    const hostname = (parts[3] as string).replace(/^\.+|\.+$/g, '');
    if (parts[0] !== 'outbound')
      return istioError(
        `domain name ${goQuote(domain)} invalid (label ${goQuote(parts[0] as string)} invalid)`,
      );
    if (!/[0-9]/.test(port)) {
      return istioError(
        `domain name ${goQuote(domain)} invalid (label ${goQuote(port)} invalid). should follow ${format} format`,
      );
    }
    if (!/[a-zA-Z]/.test(hostname)) {
      return istioError(
        `domain name ${goQuote(domain)} invalid (label ${goQuote(hostname)} invalid). should follow ${format} format`,
      );
    }
    return undefined;
  }
  return validateWildcardDomain(domain);
}

function validateTagKey(key: string): MaybeError {
  const match = TAG_RE.exec(key);
  if (!match) return istioError(`invalid tag key: ${goQuote(key)}`);
  const prefix = match[1];
  if (prefix && prefix.length - 1 > 253)
    return istioError(`invalid tag key: ${goQuote(key)} (DNS prefix is too long)`);
  if ((match[2] as string).length > 63)
    return istioError(`invalid tag key: ${goQuote(key)} (name is too long)`);
  return undefined;
}

/** `labels.Instance.Validate`: every key a qualified name, every value a label value. */
export function validateLabels(labels: Record<string, unknown> | undefined): MaybeError {
  if (!labels) return undefined;
  let errs: MaybeError;
  for (const [key, value] of Object.entries(labels)) {
    const keyError = validateTagKey(key);
    if (keyError) errs = multiAppend(errs, keyError);
    const text = typeof value === 'string' ? value : '';
    if (!LABEL_VALUE_RE.test(text))
      errs = multiAppend(errs, istioError(`invalid tag value: ${goQuote(text)}`));
  }
  return errs;
}

/** `host.Name.Matches`, shared with the mesh: whether two (possibly wildcard) host names overlap. */
export { hostsMatch } from '../mesh/istio-host.js';
