/**
 * Reading a cluster the way any client does, in process (cheaper than spawning kubectl for
 * every assertion): API GETs with the kubeconfig's credentials, and GETs to a pod port over
 * port-forward (istiod's `/debug/syncz`, Envoy's `config_dump`). The same on both tiers.
 */
import { request } from 'node:https';
import { fetchViaPortForward, loadKubeconfig } from '@switchyard/core/internal-testing';

/** client-node's configuration, as core loads it. */
type KubeConfig = ReturnType<typeof loadKubeconfig>['kubeConfig'];

/** In-process reads of one cluster. */
export interface KubeReads {
  /** The loaded kubeconfig (client-node), for port-forwards and proxies. */
  readonly kubeConfig: KubeConfig;
  /** GET of an API path; the JSON body, or undefined on 404. Rejects on other errors. */
  get<T>(path: string): Promise<T | undefined>;
  /** GET of `path` on a pod port, over port-forward; the body, rejecting unless 200. */
  podGet(namespace: string, pod: string, port: number, path: string): Promise<string>;
}

/** Reads through the kubeconfig at `path`. */
export function kubeReads(path: string): KubeReads {
  const { kubeConfig } = loadKubeconfig({ path, env: {} });
  const server = kubeConfig.getCurrentCluster()?.server ?? '';
  return {
    kubeConfig,
    get: async <T>(apiPath: string) => {
      const options: { headers: Record<string, string> } = {
        headers: { accept: 'application/json' },
      };
      await kubeConfig.applyToHTTPSOptions(options);
      return new Promise<T | undefined>((resolve, reject) => {
        const req = request(`${server}${apiPath}`, options, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode === 404) resolve(undefined);
            else if (res.statusCode === 200) resolve(JSON.parse(body) as T);
            else reject(new Error(`GET ${apiPath}: ${res.statusCode} ${body.slice(0, 300)}`));
          });
        });
        req.on('error', reject);
        req.end();
      });
    },
    podGet: async (namespace, pod, port, podPath) => {
      const response = await fetchViaPortForward(kubeConfig, {
        namespace,
        pod,
        port,
        path: podPath,
      });
      const body = response.body.toString('utf8');
      if (response.status !== 200)
        throw new Error(
          `GET ${podPath} on ${namespace}/${pod}:${port} answered ${response.status}`,
        );
      return body;
    },
  };
}
