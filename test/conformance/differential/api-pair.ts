/**
 * The two servers of a differential test side by side: the simulator, started in this
 * process, and the real test bed's kube-apiserver. Both hold bookinfo in a namespace of
 * the same name, so paths, names and messages are the same on both sides and only what
 * each server generates (uids, resourceVersions, timestamps) needs normalizing.
 */
import {
  bookinfoIn,
  createRealNamespace,
  runKubectl,
  startSimulatedCluster,
  waitFor,
  type Cluster,
  type RealClusterInfo,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { rawApi, type RawApi, type RawRequestOptions, type RawResponse } from './raw-api.js';

/** The same request's answers from both servers. */
export interface PairedResponse {
  /** The simulator's answer. */
  sim: RawResponse;
  /** The real API server's answer. */
  real: RawResponse;
}

/** Both servers, with the same namespace holding bookinfo. */
export interface ApiPair {
  /** The namespace on both. */
  namespace: string;
  /** The simulator's client. */
  sim: RawApi;
  /** The real API server's client. */
  real: RawApi;
  /** The simulator's cluster (kubectl and the simulator itself). */
  simBed: SimulatedCluster;
  /** The real namespace (kubectl against the real test bed). */
  realNs: Cluster;
  /** Sends one request to both, the simulator first, and returns both answers. */
  both(method: string, path: string, options?: RawRequestOptions): Promise<PairedResponse>;
  /** Stops the simulator and deletes the real namespace. */
  stop(): Promise<void>;
}

/**
 * Applies bookinfo in `namespace` to the simulator with `kubectl apply`, as
 * `createRealNamespace` does on the real test bed (so both carry the same last-applied annotation), and waits
 * for its Deployments. The simulator serves no OpenAPI for built-in types, hence
 * `--validate=false`.
 */
async function simBookinfo(simBed: SimulatedCluster, namespace: string): Promise<void> {
  const objects = await bookinfoIn(namespace);
  await runKubectl(
    simBed.sim.kubeconfigPath,
    ['apply', '--validate=false', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  await waitFor(
    async () => {
      const list = await simBed.kubectlJson<{
        items: { spec: { replicas?: number }; status?: { availableReplicas?: number } }[];
      }>(['-n', namespace, 'get', 'deployments']);
      return list.items.length > 0 &&
        list.items.every((d) => (d.status?.availableReplicas ?? 0) === (d.spec.replicas ?? 1))
        ? true
        : undefined;
    },
    { timeoutMs: 60_000, description: `bookinfo Deployments in ${namespace} on the simulator` },
  );
}

/** Starts a simulator (no synthetic traffic) and puts bookinfo in `namespace` on both servers. */
export async function startApiPair(info: RealClusterInfo, namespace: string): Promise<ApiPair> {
  const simBed = await startSimulatedCluster({ scenario: { clients: [] } });
  try {
    const sim = await rawApi('sim', simBed.sim.kubeconfigPath);
    const real = await rawApi('real', info.kubeconfig);
    await simBookinfo(simBed, namespace);
    const realNs = await createRealNamespace(info, namespace);
    return {
      namespace,
      sim,
      real,
      simBed,
      realNs,
      both: async (method, path, options) => ({
        sim: await sim.request(method, path, options),
        real: await real.request(method, path, options),
      }),
      stop: async () => {
        await simBed.stop();
        await realNs.stop();
      },
    };
  } catch (error) {
    await simBed.stop();
    throw error;
  }
}
