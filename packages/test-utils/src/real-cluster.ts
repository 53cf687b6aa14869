/**
 * The conformance tier's cluster: the real control plane test bed (`testbed/`, Go): etcd,
 * kube-apiserver, controllers, KWOK, istiod replicas from Istio's charts, the proxy fleet
 * and Prometheus, as local processes. `startRealCluster` runs `npm run testbed -- up` once
 * (the conformance global setup); `createRealNamespace` gives each test file bookinfo in a
 * fresh namespace of it, as a {@link Cluster}, so files sharing the bed do not see each
 * other's releases.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bookinfoClients, bookinfoIn } from './bookinfo.js';
import { clusterFrom, type Cluster, type ClusterCapabilities } from './cluster.js';
import { controlRequest, type Latency } from './control-api.js';
import { kubeReads, type KubeReads } from './kube-reads.js';
import { sidecarPods, synced, synczEntries } from './mesh-reads.js';
import { runKubectl } from './run-kubectl.js';
import { waitFor } from './wait-for.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where a running real test bed is reached. */
export interface RealClusterInfo {
  /** Folder holding its files (logs/audit.log among them; removed by `down`). */
  dir: string;
  /** Admin kubeconfig. */
  kubeconfig: string;
  /** Control API (fleet settings, components). */
  controlUrl: string;
  /** Prometheus base URL; empty when started without the data plane. */
  prometheusUrl: string;
}

/** A started real test bed. */
export interface RunningRealCluster extends RealClusterInfo {
  /** Stops every process and removes its files. */
  stop(): Promise<void>;
}

/** What the real test bed can do that the simulator cannot, and the reverse. */
export function realClusterCapabilities(info: RealClusterInfo): ClusterCapabilities {
  return {
    dataPlane: info.prometheusUrl !== '',
    apiFaults: false,
    podsNeverReady: false,
    gatewayProxies: false,
    headerLimitOverride: false,
    envoyFilters: true,
    inClusterPrometheus: info.prometheusUrl !== '',
    managedFields: true,
    gatewayApi: true,
  };
}

/** Parses the `key: value` lines `testbed up` prints. */
export function parseUpOutput(stdout: string, dir: string): RealClusterInfo {
  const value = (key: string): string => {
    const line = stdout.split('\n').find((l) => l.startsWith(`${key}: `));
    if (!line) throw new Error(`testbed up printed no "${key}:" line:\n${stdout}`);
    return line.slice(key.length + 2).trim();
  };
  return {
    dir,
    kubeconfig: value('kubeconfig'),
    controlUrl: value('control'),
    prometheusUrl: value('prometheus'),
  };
}

/** Runs `node scripts/testbed.mjs <args>`; resolves stdout, rejects with the output. */
function testbedCommand(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'testbed.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (process.env.SWITCHYARD_TESTBED_VERBOSE) process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`testbed ${args.join(' ')} exited ${code}:\n${stderr}${stdout}`));
    });
  });
}

/** Starts the real test bed in `dir` (builds what is missing first). */
export async function startRealCluster(
  dir: string,
  extraArgs: readonly string[] = [],
): Promise<RunningRealCluster> {
  const stdout = await testbedCommand(['up', `--dir=${dir}`, ...extraArgs], 30 * 60_000);
  const info = parseUpOutput(stdout, dir);
  return { ...info, stop: () => stopRealCluster(dir) };
}

/** Stops the test bed in `dir` and removes its files. */
export async function stopRealCluster(dir: string): Promise<void> {
  await testbedCommand(['down', `--dir=${dir}`], 120_000);
}

interface DeploymentList {
  items: {
    spec: { replicas?: number };
    status: { availableReplicas?: number; updatedReplicas?: number; replicas?: number };
  }[];
}

/** Every Deployment of `namespace` rolled out. */
async function deploymentsRolledOut(reads: KubeReads, namespace: string): Promise<boolean> {
  const list = await reads.get<DeploymentList>(`/apis/apps/v1/namespaces/${namespace}/deployments`);
  return (list?.items ?? []).every((d) => {
    const desired = d.spec.replicas ?? 1;
    return (
      (d.status.availableReplicas ?? 0) === desired &&
      (d.status.updatedReplicas ?? 0) === desired &&
      (d.status.replicas ?? 0) === desired
    );
  });
}

/** Every sidecar of `namespace` is in istiod's syncz with every push acked. */
async function proxiesSynced(reads: KubeReads, namespace: string): Promise<boolean> {
  const pods = await sidecarPods(reads, namespace);
  const entries = await synczEntries(reads, namespace);
  return pods.every((pod) => {
    const entry = entries.get(`${pod}.${namespace}`);
    return entry !== undefined && synced(entry);
  });
}

/** Options of {@link createRealNamespace}. */
export interface RealNamespaceOptions {
  /**
   * The proxy fleet's apply delay while this namespace exists (fleet-wide: the bed's own is
   * put back by `stop`). Undefined leaves the bed's own.
   */
  applyDelay?: Latency;
}

/**
 * Creates `namespace` with bookinfo on the running test bed, points the fleet's clients at
 * it, and waits until it is quiet. `stop` deletes the namespace (without waiting).
 */
export async function createRealNamespace(
  info: RealClusterInfo,
  namespace: string,
  options: RealNamespaceOptions = {},
): Promise<Cluster> {
  const kubectl = (args: readonly string[], input?: string): Promise<string> =>
    runKubectl(info.kubeconfig, args, input);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: await bookinfoIn(namespace) }),
  );
  // The fleet's apply delay is fleet-wide: whatever this namespace's scenario sets, the
  // bed's own is put back by `stop`.
  let restoreApplyDelay: Latency | undefined;
  if (info.prometheusUrl !== '') {
    const state = (await controlRequest(info.controlUrl, 'GET', '/state')) as {
      applyDelay: Latency;
    };
    restoreApplyDelay = state.applyDelay;
    if (options.applyDelay)
      await controlRequest(info.controlUrl, 'PUT', '/istio/apply-delay', options.applyDelay);
  }
  const waitForQuiet = async (reads: KubeReads): Promise<void> => {
    await waitFor(
      async () =>
        (await deploymentsRolledOut(reads, namespace)) &&
        (info.prometheusUrl === '' || (await proxiesSynced(reads, namespace))),
      { timeoutMs: 120_000, intervalMs: 500, description: `bookinfo in ${namespace} quiet` },
    );
  };
  const cluster = clusterFrom({
    tier: 'real',
    capabilities: realClusterCapabilities(info),
    kubeconfig: info.kubeconfig,
    namespace,
    prometheusUrl: info.prometheusUrl === '' ? undefined : info.prometheusUrl,
    controlUrl: info.controlUrl,
    waitForQuiet,
    stop: async () => {
      if (restoreApplyDelay) {
        await controlRequest(info.controlUrl, 'PUT', '/proxies/overrides', { overrides: [] });
        await controlRequest(info.controlUrl, 'PUT', '/istio/apply-delay', restoreApplyDelay);
      }
      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    },
  });
  // This namespace's traffic: the fleet plays one set of clients at a time.
  if (info.prometheusUrl !== '') await cluster.setClients(bookinfoClients(namespace));
  await waitForQuiet(kubeReads(info.kubeconfig));
  return cluster;
}
