/**
 * The whole simulator, wired: object store, HTTPS API server (with the real Istio CRDs,
 * their schema validation and Istio's webhook), workload controllers, istiod replicas and
 * Envoy proxies, synthetic traffic, Istio metrics, optionally a real Prometheus, and the
 * control API. `startSimulator` serves tests in-process; `switchyard sim` runs it in the
 * foreground.
 */
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiServer } from './api/api-server.js';
import { isViaApiServerProxy } from './api/pod-proxy.js';
import { kubeconfigYaml, writeKubeconfig } from './api/kubeconfig.js';
import { ControlServer, type SimulatorControls } from './control/control-server.js';
import { WorkloadControllers } from './controllers/workload-controllers.js';
import { CrdCatalog } from './crd/crd-catalog.js';
import { createIstioAdmission } from './crd/istio-admission.js';
import { IstioControlPlane } from './mesh/istio-control-plane.js';
import type { ProxyView } from './mesh/mesh-types.js';
import { IstioMetrics } from './metrics/istio-metrics.js';
import { MetricsServer } from './metrics/metrics-server.js';
import { PodNetwork } from './net/pod-network.js';
import { startPrometheus, type PrometheusInstance } from './prometheus/prometheus-process.js';
import {
  loadScenarioFile,
  loadScenarioObject,
  ScenarioError,
  type LoadedScenario,
} from './scenario/load-scenario.js';
import {
  behaviourSchema,
  type ApiFault,
  type Behaviour,
  type ClientSpec,
  type Latency,
  type ProxyOverride,
  type Scenario,
  type ScenarioInput,
} from './scenario/scenario-schema.js';
import { ObjectStore, type KubeObject, type KubeObjectInput } from './store/object-store.js';
import {
  builtinResourceTypes,
  ResourceRegistry,
  type ResourceType,
} from './store/resource-types.js';
import { TrafficGenerator } from './traffic/traffic-generator.js';

/** Options of `startSimulator`. */
export interface StartSimulatorOptions {
  /**
   * The scenario: a file path, a scenario object (manifest paths resolve against
   * `baseDir`), or one already loaded. Undefined: an empty scenario (no manifests).
   */
  scenario?: string | ScenarioInput | LoadedScenario | undefined;
  /** Directory manifest paths of a scenario object resolve against; default cwd. */
  baseDir?: string | undefined;
  /** Start a real Prometheus scraping the simulator (default false). */
  prometheus?: boolean | undefined;
  /** Where to write the kubeconfig; default a file in a fresh temporary directory. */
  kubeconfigPath?: string | undefined;
  /** API server port on 127.0.0.1; default ephemeral. */
  apiPort?: number | undefined;
  /** Control API port on 127.0.0.1; default ephemeral. */
  controlPort?: number | undefined;
  /** Seeds for reproducible traffic and delays; default Math.random. */
  random?: (() => number) | undefined;
}

/** A running simulator. */
export interface Simulator {
  /** The scenario in effect (with defaults). */
  readonly scenario: Scenario;
  /** `https://127.0.0.1:<port>`. */
  readonly apiUrl: string;
  /** PEM of the API server's CA. */
  readonly caPem: string;
  /** Bearer token of the API server. Never log it. */
  readonly token: string;
  /** Path of the kubeconfig written for it. */
  readonly kubeconfigPath: string;
  /** The kubeconfig as YAML (contains the token). */
  readonly kubeconfig: string;
  /** Control API base URL. */
  readonly controlUrl: string;
  /** `/metrics` endpoint base URL. */
  readonly metricsUrl: string;
  /** Prometheus base URL when started. */
  readonly prometheusUrl: string | undefined;
  /** The object store (for assertions in tests). */
  readonly store: ObjectStore;
  /** The resource registry. */
  readonly registry: ResourceRegistry;
  /** The mesh: istiod replicas and proxies. */
  readonly mesh: IstioControlPlane;
  /** Synthetic traffic. */
  readonly traffic: TrafficGenerator;
  /** Run-time controls (same as the control API). */
  readonly controls: SimulatorControls;
  /** How many injected API faults of each kind requests have met so far. */
  faultsInjected(): Readonly<Record<ApiFault['kind'], number>>;
  /**
   * Resolves once every Deployment's rollout is complete and every proxy has applied the
   * latest push (or rejects after `timeoutMs`).
   */
  waitForSettled(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops everything (Prometheus included) and removes temporary files. */
  stop(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: Behaviour = behaviourSchema.parse({});
const CLIENT_IMAGE = 'switchyard.dev/sim-client:latest';

function loadScenario(options: StartSimulatorOptions): LoadedScenario {
  const scenario = options.scenario;
  if (scenario === undefined) return loadScenarioObject({}, options.baseDir);
  if (typeof scenario === 'string') return loadScenarioFile(scenario);
  if ('objects' in scenario && 'scenario' in scenario) return scenario;
  return loadScenarioObject(scenario, options.baseDir);
}

/** The resource types the simulator serves: built-ins plus the real Istio CRDs. */
export function simulatorRegistry(catalog: CrdCatalog = CrdCatalog.istio()): ResourceRegistry {
  return new ResourceRegistry([...builtinResourceTypes(), ...catalog.resourceTypes()]);
}

interface ApiClient {
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
}

function apiClient(url: string, caPem: string, token: string): ApiClient {
  return {
    request: (method, path, body) =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = httpsRequest(
          `${url}${path}`,
          {
            method,
            ca: caPem,
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json',
              ...(payload
                ? {
                    'content-type': 'application/json',
                    'content-length': Buffer.byteLength(payload),
                  }
                : {}),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
  };
}

function collectionPath(
  type: ResourceType,
  version: string,
  namespace: string | undefined,
): string {
  const base = type.group ? `/apis/${type.group}/${version}` : `/api/${version}`;
  return type.namespaced
    ? `${base}/namespaces/${namespace ?? 'default'}/${type.plural}`
    : `${base}/${type.plural}`;
}

/**
 * Creates the scenario's manifests through the API server, exactly as `kubectl create`
 * would: defaulting, schema validation, Istio's webhook. A rejected manifest is a
 * ScenarioError naming the object.
 */
async function createManifests(
  api: ApiClient,
  registry: ResourceRegistry,
  objects: readonly KubeObjectInput[],
): Promise<void> {
  const problems: { path: string; message: string }[] = [];
  for (const object of objects) {
    const apiVersion = object.apiVersion ?? '';
    const kind = object.kind ?? '';
    const name = `${kind}/${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '?'}`;
    const type = registry.forObject(apiVersion, kind);
    if (!type) {
      problems.push({
        path: name,
        message: `apiVersion ${apiVersion} kind ${kind} is not served by the simulator`,
      });
      continue;
    }
    const version = apiVersion.includes('/') ? (apiVersion.split('/')[1] as string) : apiVersion;
    const response = await api.request(
      'POST',
      collectionPath(type, version, object.metadata?.namespace),
      object,
    );
    if (response.status >= 300) {
      let message = response.body;
      try {
        message = (JSON.parse(response.body) as { message?: string }).message ?? message;
      } catch {
        // Keep the raw body.
      }
      problems.push({
        path: name,
        message: `rejected by the API server (${response.status}): ${message}`,
      });
    }
  }
  if (problems.length > 0) throw new ScenarioError(problems);
}

function deploymentForClient(client: ClientSpec): KubeObjectInput {
  const labels = { app: client.name, version: 'v1' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: client.name, namespace: client.namespace, labels },
    spec: {
      replicas: client.replicas,
      selector: { matchLabels: { app: client.name } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: client.name, image: CLIENT_IMAGE }] },
      },
    },
  };
}

function deploymentSettled(d: Readonly<KubeObject>): boolean {
  const spec = d.spec as { replicas?: number } | undefined;
  const status = (d.status ?? {}) as {
    observedGeneration?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    replicas?: number;
  };
  const desired = spec?.replicas ?? 1;
  return (
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (status.updatedReplicas ?? 0) >= desired &&
    (status.availableReplicas ?? 0) >= desired &&
    (status.replicas ?? 0) <= desired
  );
}

function proxiesSettled(proxies: Iterable<ProxyView>): boolean {
  for (const proxy of proxies) if (!proxy.applied) return false;
  return true;
}

/** Starts a simulator. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<Simulator> {
  const loaded = loadScenario(options);
  const scenario = loaded.scenario;
  const catalog = CrdCatalog.istio();
  const registry = simulatorRegistry(catalog);
  const store = new ObjectStore(registry);
  const podNetwork = new PodNetwork();
  const behaviours = new Map<string, Behaviour>(Object.entries(scenario.images));
  const behaviourOf = (image: string): Behaviour =>
    behaviours.get(image) ?? behaviours.get('default') ?? DEFAULT_BEHAVIOUR;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // Keep stopping the rest.
      }
    }
  };

  try {
    const controllers = new WorkloadControllers({
      store,
      registry,
      readyDelayMs: scenario.pods.readyDelayMs,
      terminationDelayMs: scenario.pods.terminationDelayMs,
      behaviourOf,
      istioVersion: scenario.istio.version,
      ...(scenario.istio.revision ? { istioRevision: scenario.istio.revision } : {}),
    });
    controllers.start();
    cleanups.push(() => controllers.stop());

    const api = new ApiServer({
      store,
      registry,
      podNetwork,
      admission: createIstioAdmission({ catalog }),
      // Pods created by clients get what the real admission chain gives them: a service
      // account, default tolerations and, where injection applies, Istio's sidecar.
      mutatingAdmission: {
        mutate: (request) =>
          request.operation === 'CREATE' &&
          request.type.group === '' &&
          request.type.plural === 'pods'
            ? controllers.admitPod(request.object, request.namespace ?? 'default')
            : request.object,
      },
      faults: [],
      latencyMs: 0,
    });
    const address = await api.start(options.apiPort !== undefined ? { port: options.apiPort } : {});
    cleanups.push(() => api.stop());

    const mesh = new IstioControlPlane({
      store,
      registry,
      podNetwork,
      istio: scenario.istio,
      proxies: scenario.proxies,
      // One definition of "came through the API server's pod proxy" for the whole simulator.
      isLoopbackRequest: (request) => !isViaApiServerProxy(request),
      ...(options.random ? { random: options.random } : {}),
    });
    mesh.start();
    cleanups.push(() => mesh.stop());
    cleanups.push(() => podNetwork.close());

    // As in a real cluster, Istio is installed and running before applications arrive, so
    // proxies spread over every istiod replica instead of all joining the first one up.
    const deployments = registry.byPlural('apps', 'deployments') as ResourceType;
    const istioDeadline = Date.now() + 30_000;
    const istiodAvailable = (): number =>
      (
        (store.peek(deployments, 'istio-system', 'istiod')?.status ?? {}) as {
          availableReplicas?: number;
        }
      ).availableReplicas ?? 0;
    while (istiodAvailable() < scenario.istio.replicas) {
      if (Date.now() > istioDeadline)
        throw new Error('istiod replicas did not become ready within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // The manifests go in through the API, the way kubectl would apply them.
    const client = apiClient(address.url, address.caPem, api.token);
    await createManifests(client, registry, loaded.objects);
    const missingClients = scenario.clients.filter(
      (c) => !store.peek(deployments, c.namespace, c.name),
    );
    await createManifests(client, registry, missingClients.map(deploymentForClient));
    // The scenario's API faults start once the scenario is in place.
    api.setFaults(scenario.api.faults);
    api.setLatency(scenario.api.latencyMs);

    const metrics = new IstioMetrics();
    const traffic = new TrafficGenerator({
      store,
      registry,
      mesh,
      metrics,
      clients: scenario.clients,
      behaviourOf,
      ...(options.random ? { random: options.random } : {}),
    });
    traffic.start();
    cleanups.push(() => traffic.close());

    const metricsServer = new MetricsServer({ sources: [metrics] });
    const metricsUrl = await metricsServer.start();
    cleanups.push(() => metricsServer.stop());

    let prometheus: PrometheusInstance | undefined;
    if (options.prometheus) {
      prometheus = await startPrometheus({
        targets: [metricsServer.target],
        scrapeIntervalSeconds: scenario.prometheus.scrapeIntervalSeconds,
      });
      cleanups.push(() => prometheus?.stop());
    }

    let tempDir: string | undefined;
    let kubeconfigPath = options.kubeconfigPath;
    if (!kubeconfigPath) {
      tempDir = await mkdtemp(join(tmpdir(), 'switchyard-sim-'));
      kubeconfigPath = join(tempDir, 'kubeconfig');
      cleanups.unshift(() => rm(tempDir as string, { recursive: true, force: true }));
    }
    const kubeconfigOptions = {
      server: address.url,
      caPem: address.caPem,
      token: api.token,
      namespace: scenario.clients[0]?.namespace ?? 'default',
    };
    await writeKubeconfig(kubeconfigPath, kubeconfigOptions);

    let faults: ApiFault[] = [...scenario.api.faults];
    let latencyMs = scenario.api.latencyMs;
    let overrides: ProxyOverride[] = [...scenario.proxies];
    let applyDelay: Latency = scenario.istio.applyDelay;
    let clients: ClientSpec[] = [...scenario.clients];
    let controlUrl = '';

    const controls: SimulatorControls = {
      state: () => {
        const proxies = [...mesh.proxies()];
        return {
          scenario: scenario.name,
          apiUrl: address.url,
          kubeconfigPath,
          controlUrl,
          metricsUrl,
          prometheusUrl: prometheus?.url,
          istiod: mesh.istiodPods(),
          proxies: {
            total: proxies.length,
            withConfig: proxies.filter((p) => p.applied).length,
          },
          apiFaults: faults,
          apiFaultsInjected: api.faultsInjected(),
          apiLatencyMs: latencyMs,
          proxyOverrides: overrides,
          applyDelay,
          clients,
          images: Object.fromEntries(behaviours),
        };
      },
      traffic: () => ({ clients: traffic.stats(), throughput: traffic.throughput() }),
      setApiFaults: (next, latency) => {
        faults = [...next];
        latencyMs = latency;
        api.setFaults(next);
        api.setLatency(latency);
      },
      setBehaviour: (image, behaviour) => {
        behaviours.set(image, behaviour);
        // Running pods re-run their readiness probe against the new behaviour.
        controllers.reprobeReadiness();
      },
      setProxyOverrides: (next) => {
        overrides = [...next];
        mesh.setProxyOverrides(next);
      },
      setApplyDelay: (latency) => {
        applyDelay = latency;
        mesh.setApplyDelay(latency);
      },
      setClients: (next) => {
        clients = [...next];
        traffic.setClients(next);
      },
    };
    const control = new ControlServer(controls);
    controlUrl = await control.start(options.controlPort ?? 0);
    cleanups.push(() => control.stop());

    const waitForSettled = async ({
      timeoutMs = 30_000,
    }: { timeoutMs?: number } = {}): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (store.peekAll(deployments).every(deploymentSettled) && proxiesSettled(mesh.proxies()))
          return;
        if (Date.now() > deadline) {
          const waiting = store
            .peekAll(deployments)
            .filter((d) => !deploymentSettled(d))
            .map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
          const proxies = [...mesh.proxies()].filter((p) => !p.applied).map((p) => p.id);
          throw new Error(
            `simulator did not settle within ${timeoutMs} ms; deployments not ready: ${waiting.join(', ') || 'none'}; proxies without config: ${proxies.join(', ') || 'none'}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    let stopped = false;
    return {
      scenario,
      apiUrl: address.url,
      caPem: address.caPem,
      token: api.token,
      kubeconfigPath,
      kubeconfig: kubeconfigYaml(kubeconfigOptions),
      controlUrl,
      metricsUrl,
      prometheusUrl: prometheus?.url,
      store,
      registry,
      mesh,
      traffic,
      controls,
      faultsInjected: () => api.faultsInjected(),
      waitForSettled,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Reads a stored object (test helper). */
export function peekObject(
  sim: Pick<Simulator, 'store' | 'registry'>,
  group: string,
  plural: string,
  namespace: string | undefined,
  name: string,
): Readonly<KubeObject> | undefined {
  const type = sim.registry.byPlural(group, plural);
  return type ? sim.store.peek(type, namespace, name) : undefined;
}
