/**
 * What `istioctl install` leaves in a cluster, as far as switchyard can see it: namespace
 * `istio-system`, the `istiod` Deployment (pods `app=istiod`, `istio=pilot`, plus
 * `istio.io/rev` for a revisioned install) and its Service (`istiod`, or `istiod-<rev>`,
 * with the chart's four ports: every sidecar gets its clusters and the routes of its two
 * HTTP-ish ports, as on a real mesh), and the `istio-ingressgateway` Deployment (pods
 * `istio=ingressgateway`, whose `istio-proxy` container runs `proxy router`). The
 * Deployment controller turns them into pods; objects that already exist are left alone.
 */
import {
  allocateClusterIp,
  applyBuiltinDefaults,
  prepareForCreate,
} from '../api/builtin-defaults.js';
import type { KubeObjectInput, ObjectStore } from '../store/object-store.js';
import type { ResourceRegistry } from '../store/resource-types.js';
import type { Scenario } from '../scenario/scenario-schema.js';

/** Namespace of the control plane. */
export const ISTIO_NAMESPACE = 'istio-system';

/** Labels of istiod pods for a revision (undefined: default install). */
export function istiodPodLabels(revision: string | undefined): Record<string, string> {
  return {
    app: 'istiod',
    istio: 'pilot',
    ...(revision !== undefined ? { 'istio.io/rev': revision } : {}),
  };
}

/** Labels of ingress gateway pods. */
export const INGRESS_GATEWAY_LABELS: Readonly<Record<string, string>> = {
  app: 'istio-ingressgateway',
  istio: 'ingressgateway',
};

function istiodDeployment(istio: Scenario['istio']): KubeObjectInput {
  const labels = istiodPodLabels(istio.revision);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: ISTIO_NAMESPACE, labels: { ...labels } },
    spec: {
      replicas: istio.replicas,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: {
          labels: { ...labels, 'sidecar.istio.io/inject': 'false' },
          annotations: { 'sidecar.istio.io/inject': 'false' },
        },
        spec: {
          serviceAccountName: 'istiod',
          containers: [
            {
              name: 'discovery',
              image: `docker.io/istio/pilot:${istio.version}`,
              args: [
                'discovery',
                '--monitoringAddr=:15014',
                '--log_output_level=default:info',
                '--domain',
                'cluster.local',
              ],
              ports: [
                { containerPort: 8080, protocol: 'TCP' },
                { containerPort: 15010, protocol: 'TCP' },
                { containerPort: 15012, protocol: 'TCP' },
                { containerPort: 15014, protocol: 'TCP' },
                { containerPort: 15017, protocol: 'TCP' },
              ],
              readinessProbe: {
                httpGet: { path: '/ready', port: 8080 },
                initialDelaySeconds: 1,
                periodSeconds: 3,
              },
            },
          ],
        },
      },
    },
  };
}

/** istiod's Service as the istio-discovery chart renders it (`templates/service.yaml`). */
function istiodService(istio: Scenario['istio']): KubeObjectInput {
  const revision = istio.revision;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: revision !== undefined ? `istiod-${revision}` : 'istiod',
      namespace: ISTIO_NAMESPACE,
      labels: {
        'istio.io/rev': revision ?? 'default',
        app: 'istiod',
        istio: 'pilot',
        'app.kubernetes.io/name': 'istiod',
      },
    },
    spec: {
      ports: [
        { port: 15010, name: 'grpc-xds', protocol: 'TCP' },
        { port: 15012, name: 'https-dns', protocol: 'TCP' },
        { port: 443, name: 'https-webhook', targetPort: 15017, protocol: 'TCP' },
        { port: 15014, name: 'http-monitoring', protocol: 'TCP' },
      ],
      // The default Service selects istio=pilot so it never picks a canary revision.
      selector:
        revision !== undefined
          ? { app: 'istiod', 'istio.io/rev': revision }
          : { app: 'istiod', istio: 'pilot' },
    },
  };
}

function ingressGatewayDeployment(istio: Scenario['istio']): KubeObjectInput {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'istio-ingressgateway',
      namespace: ISTIO_NAMESPACE,
      labels: { ...INGRESS_GATEWAY_LABELS },
    },
    spec: {
      replicas: istio.ingressGateway.replicas,
      selector: { matchLabels: { ...INGRESS_GATEWAY_LABELS } },
      template: {
        metadata: {
          labels: {
            ...INGRESS_GATEWAY_LABELS,
            'sidecar.istio.io/inject': 'false',
            'service.istio.io/canonical-name': 'istio-ingressgateway',
          },
        },
        spec: {
          serviceAccountName: 'istio-ingressgateway-service-account',
          containers: [
            {
              name: 'istio-proxy',
              image: `docker.io/istio/proxyv2:${istio.version}`,
              args: [
                'proxy',
                'router',
                '--domain',
                '$(POD_NAMESPACE).svc.cluster.local',
                '--proxyLogLevel=warning',
              ],
              ports: [
                { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
                { containerPort: 8080, name: 'http2', protocol: 'TCP' },
                { containerPort: 8443, name: 'https', protocol: 'TCP' },
                { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 } },
            },
          ],
        },
      },
    },
  };
}

/** Creates the namespace and Deployments that do not exist yet. */
export function ensureIstioInstall(
  store: ObjectStore,
  registry: ResourceRegistry,
  istio: Scenario['istio'],
): void {
  const namespaces = registry.byPlural('', 'namespaces');
  if (namespaces && !store.peek(namespaces, undefined, ISTIO_NAMESPACE)) {
    // As the API server would create it: defaults and an Active phase.
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } };
    applyBuiltinDefaults(namespaces, namespace);
    prepareForCreate(namespaces, namespace);
    store.create(namespaces, undefined, namespace);
  }
  const services = registry.byPlural('', 'services');
  const service = istiodService(istio);
  const serviceName = (service.metadata as { name: string }).name;
  if (services && !store.peek(services, ISTIO_NAMESPACE, serviceName)) {
    // As the API server would create it: defaults and a cluster IP.
    applyBuiltinDefaults(services, service);
    allocateClusterIp(service, store.peekAll(services));
    store.create(services, ISTIO_NAMESPACE, service);
  }
  const deployments = registry.byPlural('apps', 'deployments');
  if (!deployments) return;
  const wanted = [istiodDeployment(istio)];
  if (istio.ingressGateway.enabled) wanted.push(ingressGatewayDeployment(istio));
  for (const deployment of wanted) {
    const name = (deployment.metadata as { name: string }).name;
    if (!store.peek(deployments, ISTIO_NAMESPACE, name))
      store.create(deployments, ISTIO_NAMESPACE, deployment);
  }
}
