/**
 * A kubeconfig for the simulated API server: the CA inline, a bearer token, and a
 * current context with a default namespace. kubectl and client-node read it unmodified.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { dump } from 'js-yaml';

/** What a kubeconfig for the simulator contains. */
export interface KubeconfigOptions {
  /** API server URL, `https://127.0.0.1:<port>`. */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  /** Bearer token the server accepts. */
  token: string;
  /** Default namespace of the context; undefined leaves kubectl's default (`default`). */
  namespace?: string;
  /** Name of the cluster, user and context; `switchyard-sim` when undefined. */
  name?: string;
}

/** The kubeconfig as YAML text. Contains the token: never log it. */
export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.name ?? 'switchyard-sim';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem, 'utf8').toString('base64'),
        },
      },
    ],
    users: [{ name, user: { token: options.token } }],
    contexts: [
      {
        name,
        context: {
          cluster: name,
          user: name,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': name,
    preferences: {},
  };
  return dump(config, { lineWidth: -1 });
}

/** Writes the kubeconfig to `path` with mode 0600 (it holds a credential). */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await writeFile(path, kubeconfigYaml(options), { mode: 0o600 });
  // writeFile's mode only applies when it creates the file; an existing file keeps its mode.
  await chmod(path, 0o600);
}
