/**
 * Istio's sidecar injection at pod creation (istiod's `/inject` mutating webhook with the
 * default sidecar template, non-native sidecars, no CNI). Which pods are injected follows
 * the webhooks istioctl installs (namespaceSelector/objectSelector of
 * `namespace.sidecar-injector.istio.io`, `object.sidecar-injector.istio.io` and their
 * `rev.*` twins) and then istiod's own `injectRequired` checks. What is added follows the
 * injection template of Istio 1.2x: the `istio-init` init container, the `istio-proxy`
 * container, Istio's volumes, labels (`security.istio.io/tlsMode`,
 * `service.istio.io/canonical-name`, `service.istio.io/canonical-revision`) and annotations
 * (`sidecar.istio.io/status`, `istio.io/rev`, default container, Prometheus merge).
 */
import type { StoredMeta } from '../store/object-store.js';
import type { Container, PodSpec } from './kube-shapes.js';

/** Istio version the simulator installs unless told otherwise. */
export const DEFAULT_ISTIO_VERSION = '1.26.2';

/** The proxy container name Istio injects. */
export const ISTIO_PROXY_CONTAINER = 'istio-proxy';

/** The init container name Istio injects (without CNI). */
export const ISTIO_INIT_CONTAINER = 'istio-init';

/** How the simulated istiod injects. */
export interface SidecarInjectionOptions {
  /** Istio version: the proxy image is `docker.io/istio/proxyv2:<version>`. */
  istioVersion: string;
  /** Control-plane revision (`istio.io/rev`); `default` for a default install. */
  revision: string;
}

/** A pod as the API server receives it on create. */
export interface PodInput {
  /** Metadata; name may be absent (generateName). */
  metadata?: Partial<StoredMeta>;
  /** Pod spec. */
  spec?: PodSpec;
  [field: string]: unknown;
}

// Namespaces istiod never injects into (`IgnoredNamespaces`).
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public']);
const INJECTED_VOLUMES = [
  'workload-socket',
  'credential-socket',
  'workload-certs',
  'istio-envoy',
  'istio-data',
  'istio-podinfo',
  'istio-token',
  'istiod-ca-cert',
];

function webhookMatches(
  namespaceLabels: Readonly<Record<string, string>>,
  podLabels: Readonly<Record<string, string>>,
  revision: string,
): boolean {
  const namespaceInjection = namespaceLabels['istio-injection'];
  const namespaceRevision = namespaceLabels['istio.io/rev'];
  const podInject = podLabels['sidecar.istio.io/inject'];
  const podRevision = podLabels['istio.io/rev'];
  // namespace.sidecar-injector.istio.io
  if (namespaceInjection === 'enabled') return podInject !== 'false';
  // Any other istio-injection value (disabled) matches no webhook at all.
  if (namespaceInjection !== undefined) return false;
  // rev.namespace.sidecar-injector.istio.io
  if (namespaceRevision !== undefined)
    return namespaceRevision === revision && podInject !== 'false';
  // rev.object.sidecar-injector.istio.io
  if (podRevision !== undefined) return podRevision === revision && podInject !== 'false';
  // object.sidecar-injector.istio.io
  return podInject === 'true';
}

/**
 * True when istiod would inject this pod: a webhook matches the namespace and pod labels,
 * the pod is not host-networked, not in an ignored namespace, not already injected, and its
 * `sidecar.istio.io/inject` label (or, failing that, annotation) is not a "no".
 */
export function sidecarInjectionRequired(
  pod: PodInput,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
  revision: string,
): boolean {
  const labels = pod.metadata?.labels ?? {};
  if (!webhookMatches(namespaceLabels ?? {}, labels, revision)) return false;
  if (pod.spec?.hostNetwork === true) return false;
  if (IGNORED_NAMESPACES.has(namespace)) return false;
  if ((pod.spec?.containers ?? []).some((c) => c.name === ISTIO_PROXY_CONTAINER)) return false;
  // The label is the newer API; when both are set, istiod prefers it.
  const selector =
    labels['sidecar.istio.io/inject'] ??
    pod.metadata?.annotations?.['sidecar.istio.io/inject'] ??
    '';
  if (selector === '') return true;
  return ['y', 'yes', 'true', 'on'].includes(selector.toLowerCase());
}

/** Workload name and kind as istiod derives them (`GetDeployMetaFromPod`). */
export function workloadOfPod(pod: PodInput): { name: string; kind: string; apiVersion: string } {
  const meta = pod.metadata ?? {};
  const controller = meta.generateName
    ? meta.ownerReferences?.find((ref) => ref.controller === true)
    : undefined;
  if (controller) {
    const hash = meta.labels?.['pod-template-hash'];
    if (controller.kind === 'ReplicaSet' && hash && controller.name.endsWith(hash)) {
      return {
        name: controller.name.slice(0, -(hash.length + 1)),
        kind: 'Deployment',
        apiVersion: controller.apiVersion,
      };
    }
    return { name: controller.name, kind: controller.kind, apiVersion: controller.apiVersion };
  }
  return { name: meta.name ?? '', kind: 'Pod', apiVersion: 'v1' };
}

/** `service.istio.io/canonical-name`, as istiod picks it. */
export function canonicalServiceName(
  labels: Readonly<Record<string, string>>,
  workloadName: string,
): string {
  return (
    labels['service.istio.io/canonical-name'] ??
    labels['app.kubernetes.io/name'] ??
    labels.app ??
    workloadName
  );
}

/** `service.istio.io/canonical-revision`, as istiod picks it. */
export function canonicalServiceRevision(labels: Readonly<Record<string, string>>): string {
  return (
    labels['service.istio.io/canonical-revision'] ??
    labels['app.kubernetes.io/version'] ??
    labels.version ??
    'latest'
  );
}

function fieldEnv(name: string, fieldPath: string): Record<string, unknown> {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function resourceEnv(name: string, resource: string): Record<string, unknown> {
  return { name, valueFrom: { resourceFieldRef: { divisor: '0', resource } } };
}

function podPortsJson(containers: Container[]): string {
  const ports = containers.flatMap((c) => c.ports ?? []).map((p) => JSON.stringify(p));
  return ports.length === 0 ? '[\n]' : `[\n    ${ports.join('\n    ,')}\n]`;
}

function proxyContainer(
  pod: PodInput,
  namespace: string,
  workload: { name: string; kind: string; apiVersion: string },
  options: SidecarInjectionOptions,
  image: string,
): Container {
  const appContainers = pod.spec?.containers ?? [];
  const env: Record<string, unknown>[] = [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    {
      name: 'CA_ADDR',
      value: `istiod${options.revision === 'default' ? '' : `-${options.revision}`}.istio-system.svc:15012`,
    },
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    fieldEnv('INSTANCE_IP', 'status.podIP'),
    fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldEnv('HOST_IP', 'status.hostIP'),
    resourceEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: '{}\n' },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsJson(appContainers) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.map((c) => c.name).join(',') },
    resourceEnv('GOMEMLIMIT', 'limits.memory'),
    resourceEnv('GOMAXPROCS', 'limits.cpu'),
    { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
  ];
  if (workload.name) {
    env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workload.name });
    env.push({
      name: 'ISTIO_META_OWNER',
      value: `kubernetes://apis/${workload.apiVersion}/namespaces/${namespace}/${workload.kind.toLowerCase()}s/${workload.name}`,
    });
  }
  env.push({ name: 'ISTIO_META_MESH_ID', value: 'cluster.local' });
  env.push({ name: 'TRUST_DOMAIN', value: 'cluster.local' });
  const readiness = { path: '/healthz/ready', port: 15021, scheme: 'HTTP' };
  return {
    name: ISTIO_PROXY_CONTAINER,
    image,
    args: [
      'proxy',
      'sidecar',
      '--domain',
      '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    env,
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: {
      failureThreshold: 4,
      httpGet: readiness,
      periodSeconds: 15,
      timeoutSeconds: 3,
    },
    startupProbe: {
      failureThreshold: 600,
      httpGet: readiness,
      periodSeconds: 1,
      timeoutSeconds: 3,
    },
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    volumeMounts: [
      { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
      { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
      { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
      { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
      { mountPath: '/var/lib/istio/data', name: 'istio-data' },
      { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
      { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
      { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
    ],
  };
}

function initContainer(image: string): Container {
  return {
    name: ISTIO_INIT_CONTAINER,
    image,
    args: [
      'istio-iptables',
      '-p',
      '15001',
      '-z',
      '15006',
      '-u',
      '1337',
      '-m',
      'REDIRECT',
      '-i',
      '*',
      '-x',
      '',
      '-b',
      '*',
      '-d',
      '15090,15021,15020',
      '--log_output_level=default:info',
    ],
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
}

function istioVolumes(): Record<string, unknown>[] {
  return [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    {
      name: 'istio-podinfo',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    },
    {
      name: 'istio-token',
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: 'istio-ca',
              expirationSeconds: 43200,
              path: 'istio-token',
            },
          },
        ],
      },
    },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
  ];
}

/**
 * A copy of `pod` with the sidecar injected. Call only when `sidecarInjectionRequired` is
 * true; the API server re-applies pod defaults afterwards, as it does after webhooks.
 */
export function injectSidecar(
  pod: PodInput,
  namespace: string,
  options: SidecarInjectionOptions,
): PodInput {
  const copy = structuredClone(pod);
  const metadata = (copy.metadata ??= {});
  const spec = (copy.spec ??= {});
  const labels = { ...(metadata.labels ?? {}) };
  const annotations = { ...(metadata.annotations ?? {}) };
  const workload = workloadOfPod(copy);
  const image = `docker.io/istio/proxyv2:${options.istioVersion}`;
  const appContainers = spec.containers ?? [];

  labels['security.istio.io/tlsMode'] ??= 'istio';
  labels['service.istio.io/canonical-name'] = canonicalServiceName(labels, workload.name);
  labels['service.istio.io/canonical-revision'] = canonicalServiceRevision(labels);

  annotations['istio.io/rev'] = options.revision;
  const firstApp = appContainers[0]?.name;
  if (firstApp) {
    annotations['kubectl.kubernetes.io/default-container'] ??= firstApp;
    annotations['kubectl.kubernetes.io/default-logs-container'] ??= firstApp;
  }
  if (annotations['prometheus.io/scrape'] !== 'false') {
    // Prometheus merge: the agent serves merged app + Envoy metrics on 15020.
    annotations['prometheus.io/port'] = '15020';
    annotations['prometheus.io/path'] = '/stats/prometheus';
    annotations['prometheus.io/scrape'] = 'true';
  }
  annotations['sidecar.istio.io/status'] = JSON.stringify({
    initContainers: [ISTIO_INIT_CONTAINER],
    containers: [ISTIO_PROXY_CONTAINER],
    volumes: INJECTED_VOLUMES,
    imagePullSecrets: null,
    revision: options.revision,
  });

  spec.initContainers = [...(spec.initContainers ?? []), initContainer(image)];
  spec.containers = [...appContainers, proxyContainer(copy, namespace, workload, options, image)];
  spec.volumes = [...((spec.volumes as unknown[] | undefined) ?? []), ...istioVolumes()];
  metadata.labels = labels;
  metadata.annotations = annotations;
  return copy;
}
