/**
 * Istio's `ValidateGateway` (pkg/config/validation/validation.go): gateway name, servers (hosts
 * as `namespace/host`, port number, protocol and name, bind address), server TLS settings and
 * their fit with the port protocol, unique port names; with istiod's messages.
 *
 * Not reproduced: cipher-suite name checks (they only produce warnings in Istio).
 */
import { goQuote } from './go-format.js';
import { validateIpAddress } from './istio-common-validation.js';
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
  list,
  message,
  num,
  str,
  strings,
  type JsonObject,
} from './istio-json.js';
import {
  isDns1123Label,
  validateNamespaceSlashWildcardHostname,
  validatePort,
} from './istio-names.js';

const GATEWAY_SEMANTICS_ANNOTATION = 'internal.istio.io/gateway-semantics';
const UNIX_PREFIX = 'unix://';

type Protocol =
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP'
  | 'HTTP_PROXY'
  | 'HTTP2'
  | 'HTTPS'
  | 'TCP'
  | 'TLS'
  | 'UDP'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'Unsupported';

const PROTOCOLS: ReadonlyMap<string, Protocol> = new Map([
  ['tcp', 'TCP'],
  ['udp', 'UDP'],
  ['grpc', 'GRPC'],
  ['grpc-web', 'GRPC-Web'],
  ['http', 'HTTP'],
  ['http_proxy', 'HTTP_PROXY'],
  ['http2', 'HTTP2'],
  ['https', 'HTTPS'],
  ['tls', 'TLS'],
  ['mongo', 'Mongo'],
  ['redis', 'Redis'],
  ['mysql', 'MySQL'],
]);

/** `protocol.Parse`. */
function parseProtocol(text: string): Protocol {
  return PROTOCOLS.get(text.toLowerCase()) ?? 'Unsupported';
}

const isHttp = (p: Protocol): boolean =>
  ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web'].includes(p);
const isTls = (p: Protocol): boolean => p === 'HTTPS' || p === 'TLS';

// A Port message in protobuf text format, as `%v` prints it.
function portText(port: JsonObject): string {
  const parts: string[] = [];
  if (num(port, 'number') !== 0) parts.push(`number:${num(port, 'number')}`);
  if (str(port, 'protocol') !== '') parts.push(`protocol:${goQuote(str(port, 'protocol'))}`);
  if (str(port, 'name') !== '') parts.push(`name:${goQuote(str(port, 'name'))}`);
  if (num(port, 'targetPort') !== 0) parts.push(`target_port:${num(port, 'targetPort')}`);
  return parts.join(' ');
}

function validateServerPort(port: JsonObject | undefined, bind: string): IstioValidation {
  let v = NO_VALIDATION;
  if (!port) return appendValidation(v, istioError('port is required'));
  const protocol = str(port, 'protocol');
  if (parseProtocol(protocol) === 'Unsupported') {
    v = appendValidation(
      v,
      istioError(
        `invalid protocol ${goQuote(protocol)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
      ),
    );
  }
  const number = num(port, 'number');
  if (number > 0 || !bind.startsWith(UNIX_PREFIX)) v = appendValidation(v, validatePort(number));
  if (num(port, 'targetPort') > 0)
    v = appendValidation(v, istioError('targetPort has no impact on Gateways'));
  if (str(port, 'name') === '')
    v = appendValidation(v, istioError(`port name must be set: ${portText(port)}`));
  return v;
}

function validateServerBind(port: JsonObject | undefined, bind: string): MaybeError {
  if (bind.startsWith(UNIX_PREFIX)) {
    const path = bind.slice(UNIX_PREFIX.length);
    let errs: MaybeError;
    if (path.length === 0) errs = appendErrors(errs, istioError('unix address must not be empty'));
    else if (!path.startsWith('@') && (!path.startsWith('/') || path.endsWith('/'))) {
      errs = appendErrors(errs, istioError(`${path} is not an absolute path to a file`));
    }
    if (port && num(port, 'number') !== 0)
      errs = appendErrors(
        errs,
        istioError(`port number must be 0 for unix domain socket: ${portText(port)}`),
      );
    return errs;
  }
  return bind.length !== 0 ? validateIpAddress(bind) : undefined;
}

function validateTlsOptions(tls: JsonObject | undefined): IstioValidation {
  let v = NO_VALIDATION;
  if (!tls) return v;
  const mode = str(tls, 'mode') || 'PASSTHROUGH';
  const minVersion = str(tls, 'minProtocolVersion');
  if (
    (minVersion === 'TLSV1_0' || minVersion === 'TLSV1_1') &&
    strings(tls, 'cipherSuites').length === 0
  ) {
    v = appendValidation(
      v,
      wrapWarning(
        istioError(
          'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.',
        ),
      ),
    );
  }
  const serverCertificate = str(tls, 'serverCertificate');
  const privateKey = str(tls, 'privateKey');
  const caCertificates = str(tls, 'caCertificates');
  const credentialName = str(tls, 'credentialName');
  const credentialNames = strings(tls, 'credentialNames');
  const tlsCertificates = list(tls, 'tlsCertificates').map(asMessage);
  if (mode === 'ISTIO_MUTUAL') {
    if (serverCertificate !== '')
      v = appendValidation(
        v,
        istioError('ISTIO_MUTUAL TLS cannot have associated server certificate'),
      );
    if (privateKey !== '')
      v = appendValidation(v, istioError('ISTIO_MUTUAL TLS cannot have associated private key'));
    if (caCertificates !== '')
      v = appendValidation(v, istioError('ISTIO_MUTUAL TLS cannot have associated CA bundle'));
    if (tlsCertificates.length > 0)
      v = appendValidation(
        v,
        istioError('ISTIO_MUTUAL TLS cannot have associated tlsCertificates'),
      );
    if (credentialName !== '')
      v = appendValidation(v, istioError('ISTIO_MUTUAL TLS cannot have associated credentialName'));
    if (credentialNames.length > 0)
      v = appendValidation(
        v,
        istioError('ISTIO_MUTUAL TLS cannot have associated credentialNames'),
      );
    return v;
  }
  const caCrl = str(tls, 'caCrl');
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (
      caCrl !== '' ||
      serverCertificate !== '' ||
      privateKey !== '' ||
      caCertificates !== '' ||
      tlsCertificates.length > 0 ||
      credentialName !== '' ||
      credentialNames.length > 0
    ) {
      v = appendValidation(
        v,
        wrapWarning(istioError(`${mode} mode does not use certificates, they will be ignored`)),
      );
    }
  }
  let sources = 0;
  if (serverCertificate !== '' && privateKey !== '') sources++;
  if (credentialName !== '') sources++;
  if (credentialNames.length > 0) sources++;
  if (tlsCertificates.length > 0) sources++;
  if (sources > 1) {
    v = appendValidation(
      v,
      istioError(
        'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified',
      ),
    );
  }
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  if (terminating && (credentialName !== '' || credentialNames.length > 0)) return v;
  const certificates =
    tlsCertificates.length > 0 ? tlsCertificates : [{ serverCertificate, privateKey }];
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && caCertificates === '')
      v = appendValidation(v, istioError(`${prefix} requires a client CA bundle`));
    if (tlsCertificates.length > 2)
      v = appendValidation(
        v,
        wrapWarning(istioError(`${prefix} can support up to 2 server certificates`)),
      );
    for (const certificate of certificates) {
      if (str(certificate, 'serverCertificate') === '')
        v = appendValidation(v, istioError(`${prefix} requires a server certificate`));
      if (str(certificate, 'privateKey') === '')
        v = appendValidation(v, istioError(`${prefix} requires a private key`));
    }
  }
  if (caCrl !== '') {
    if (credentialName !== '')
      v = appendValidation(
        v,
        istioError(
          'CRL is not supported with credentialName. CRL has to be specified in the credential',
        ),
      );
    if (mode === 'SIMPLE')
      v = appendValidation(v, istioError('CRL is not supported with SIMPLE TLS'));
  }
  return v;
}

function validateServer(server: JsonObject | undefined): IstioValidation {
  if (!server) return wrapError(istioError('cannot have nil server'));
  let v = NO_VALIDATION;
  const hosts = strings(server, 'hosts');
  if (hosts.length === 0)
    v = appendValidation(v, istioError('server config must contain at least one host'));
  for (const host of hosts)
    v = appendValidation(v, validateNamespaceSlashWildcardHostname(host, true));
  const port = message(server, 'port');
  const bind = str(server, 'bind');
  const portValidation = validateServerPort(port, bind);
  v = appendValidation(v, portValidation, validateServerBind(port, bind));
  const tls = message(server, 'tls');
  v = appendValidation(v, validateTlsOptions(tls));
  if (!portValidation.err && port) {
    const protocol = parseProtocol(str(port, 'protocol'));
    if (isTls(protocol) && !tls) {
      v = appendValidation(v, istioError('server must have TLS settings for HTTPS/TLS protocols'));
    } else if (!isTls(protocol) && tls) {
      if (isHttp(protocol)) {
        const mode = str(tls, 'mode') || 'PASSTHROUGH';
        const passThrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
        // Only an HTTPS redirect is allowed on a plain-text HTTP server.
        if (
          !passThrough ||
          str(tls, 'caCertificates') !== '' ||
          str(tls, 'privateKey') !== '' ||
          str(tls, 'serverCertificate') !== ''
        ) {
          v = appendValidation(
            v,
            istioError('server cannot have TLS settings for plain text HTTP ports'),
          );
        }
      } else {
        v = appendValidation(
          v,
          istioError('server cannot have TLS settings for non HTTPS/TLS ports'),
        );
      }
    }
  }
  return v;
}

/** Validates a Gateway; `metadata` supplies the name and annotations. */
export function validateGateway(spec: JsonObject, metadata: JsonObject): IstioValidation {
  const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
  const gatewaySemantics = annotations[GATEWAY_SEMANTICS_ANNOTATION] === 'gateway';
  let v = NO_VALIDATION;
  const name = str(metadata, 'name');
  if (!isDns1123Label(name) && !gatewaySemantics)
    v = appendValidation(v, istioError(`invalid gateway name: ${goQuote(name)}`));
  const servers = list(spec, 'servers').map(asMessage);
  if (servers.length === 0)
    v = appendValidation(v, istioError('gateway must have at least one server'));
  for (const server of servers) v = appendValidation(v, validateServer(server));
  const portNames = new Set<string>();
  for (const server of servers) {
    if (!server) {
      v = appendValidation(v, istioError('server may not be nil'));
      continue;
    }
    const port = message(server, 'port');
    if (!port) continue;
    const portName = str(port, 'name');
    if (portNames.has(portName))
      v = appendValidation(
        v,
        istioError(`port names in servers must be unique: duplicate name ${portName}`),
      );
    portNames.add(portName);
    if (
      !isHttp(parseProtocol(str(port, 'protocol'))) &&
      bool(message(server, 'tls'), 'httpsRedirect')
    ) {
      v = appendValidation(
        v,
        wrapWarning(istioError('tls.httpsRedirect should only be used with http servers')),
      );
    }
  }
  return v;
}
