/**
 * Finding and loading the kubeconfig the way kubectl does: an explicit path, else the
 * `KUBECONFIG` list (merged, first file wins per name), else `~/.kube/config`, else the
 * in-cluster service account. Errors name paths and contexts but never echo file content:
 * a YAML error from a kubeconfig could otherwise print the line holding a token.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { KubeconfigError } from '../errors.js';
import { redactSecrets } from './redact-secrets.js';

/** Where the service account files live inside a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How to find the kubeconfig. Every field is optional; defaults follow kubectl. */
export interface LoadKubeconfigOptions {
  /** Explicit kubeconfig file (`--kubeconfig`); when set, nothing else is consulted. */
  path?: string | undefined;
  /** Context to use (`--context`); undefined means the file's `current-context`. */
  context?: string | undefined;
  /** Environment to read `KUBECONFIG` and `KUBERNETES_SERVICE_*` from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Home directory holding `.kube/config`; defaults to the user's home. */
  homeDir?: string | undefined;
  /** Service account directory for in-cluster config; defaults to {@link SERVICE_ACCOUNT_DIR}. */
  serviceAccountDir?: string | undefined;
}

/** Where a loaded configuration came from. */
export interface KubeconfigSource {
  /** `path` (explicit), `env` (`KUBECONFIG`), `home` (`~/.kube/config`) or `in-cluster`. */
  kind: 'path' | 'env' | 'home' | 'in-cluster';
  /** Files read, in merge order; for in-cluster, the service account directory. */
  paths: string[];
}

/** A loaded kubeconfig with the context selected. */
export interface LoadedKubeconfig {
  /** client-node configuration, with `currentContext` set to the selected context. */
  kubeConfig: KubeConfig;
  /** Selected context name. */
  contextName: string;
  /** Namespace of the context, else `default` (in-cluster: the pod's namespace). */
  namespace: string;
  /** API server URL of the context's cluster. */
  server: string;
  /** Where it came from. */
  source: KubeconfigSource;
}

/**
 * Loads the kubeconfig and selects a context. Throws KubeconfigError when no configuration
 * is found, a file cannot be read or parsed, or the context does not exist (the message then
 * lists the contexts that do).
 */
export function loadKubeconfig(options: LoadKubeconfigOptions = {}): LoadedKubeconfig {
  const env = options.env ?? process.env;
  const { kubeConfig, source } = findAndLoad(options, env);
  const contextName = selectContext(kubeConfig, options.context, source);
  const context = kubeConfig.getContextObject(contextName) as Context;
  const where = describeSource(source);
  const cluster = kubeConfig.getCluster(context.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      `context "${contextName}" refers to cluster "${context.cluster}", which ${where} does not define`,
      errorFields(source, options.context),
    );
  }
  if (context.user && !kubeConfig.getUser(context.user)) {
    throw new KubeconfigError(
      `context "${contextName}" refers to user "${context.user}", which ${where} does not define`,
      errorFields(source, options.context),
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // client-node refuses plain HTTP unless TLS verification is explicitly off; say so now
    // instead of failing on the first request.
    throw new KubeconfigError(
      `cluster "${cluster.name}" uses plain HTTP (${cluster.server}); set insecure-skip-tls-verify: true to allow it`,
      errorFields(source, options.context),
    );
  }
  return {
    kubeConfig,
    contextName,
    namespace: context.namespace?.trim() || 'default',
    server: cluster.server,
    source,
  };
}

function findAndLoad(
  options: LoadKubeconfigOptions,
  env: Readonly<Record<string, string | undefined>>,
): { kubeConfig: KubeConfig; source: KubeconfigSource } {
  if (options.path !== undefined) {
    if (!existsSync(options.path)) {
      throw new KubeconfigError(`kubeconfig ${options.path} does not exist`, {
        path: options.path,
        ...contextField(options.context),
      });
    }
    return {
      kubeConfig: loadFiles([options.path]),
      source: { kind: 'path', paths: [options.path] },
    };
  }
  const list = env.KUBECONFIG;
  if (list) {
    const listed = list.split(delimiter).filter((p) => p.length > 0);
    // kubectl skips listed files that do not exist; only an all-missing list is an error.
    const present = listed.filter((p) => existsSync(p));
    if (present.length === 0) {
      throw new KubeconfigError(
        `KUBECONFIG lists no existing file (${listed.join(delimiter)})`,
        contextField(options.context),
      );
    }
    return { kubeConfig: loadFiles(present), source: { kind: 'env', paths: present } };
  }
  const home = options.homeDir ?? homedir();
  const homeConfig = join(home, '.kube', 'config');
  if (existsSync(homeConfig)) {
    return { kubeConfig: loadFiles([homeConfig]), source: { kind: 'home', paths: [homeConfig] } };
  }
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host && existsSync(join(saDir, 'token'))) {
    return {
      kubeConfig: inClusterConfig(host, env.KUBERNETES_SERVICE_PORT, saDir),
      source: { kind: 'in-cluster', paths: [saDir] },
    };
  }
  throw new KubeconfigError(
    `no kubeconfig found: KUBECONFIG is not set, ${homeConfig} does not exist, and this is not a pod ` +
      '(no KUBERNETES_SERVICE_HOST and service account token); pass --kubeconfig or set KUBECONFIG',
    contextField(options.context),
  );
}

/** Loads and merges files with kubectl's rule: the first file defining a name or the current context wins. */
function loadFiles(paths: readonly string[]): KubeConfig {
  const merged = new KubeConfig();
  merged.loadFromOptions({ clusters: [], users: [], contexts: [], currentContext: '' });
  for (const path of paths) {
    const one = loadFile(path);
    if (!merged.getCurrentContext() && one.getCurrentContext())
      merged.setCurrentContext(one.getCurrentContext());
    for (const cluster of one.getClusters())
      if (!merged.getCluster(cluster.name)) merged.addCluster(cluster);
    for (const user of one.getUsers()) if (!merged.getUser(user.name)) merged.addUser(user);
    for (const context of one.getContexts())
      if (!merged.getContextObject(context.name)) merged.addContext(context);
  }
  return merged;
}

function loadFile(path: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${code}`, { path });
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
    kubeConfig.makePathsAbsolute(dirname(path));
  } catch (error) {
    throw new KubeconfigError(
      `cannot parse kubeconfig ${path}: ${describeParseError(error, text)}`,
      { path },
    );
  }
  return kubeConfig;
}

// A YAML error's own message quotes the offending lines, which may hold a token: keep only
// the reason and position. Other errors (client-node's `users[0].name is missing`) name
// fields, not values, but are still passed through the redactor with every string of the
// file that could be a secret.
function describeParseError(error: unknown, text: string): string {
  const e = error as {
    name?: unknown;
    reason?: unknown;
    mark?: { line?: number; column?: number };
  };
  if (e?.name === 'YAMLException') {
    const reason = typeof e.reason === 'string' ? e.reason : 'invalid YAML';
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
    const column = typeof e.mark?.column === 'number' ? e.mark.column + 1 : undefined;
    return line === undefined
      ? `invalid YAML: ${reason}`
      : `invalid YAML at line ${line}, column ${column}: ${reason}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const candidates = text.split(/\s+/).filter((word) => word.length >= 16);
  return redactSecrets(message, candidates);
}

function inClusterConfig(host: string, port: string | undefined, saDir: string): KubeConfig {
  const effectivePort = port ?? '443';
  const serverHost = isIPv6(host) ? `[${host}]` : host;
  const namespaceFile = join(saDir, 'namespace');
  const namespace = existsSync(namespaceFile)
    ? readFileSync(namespaceFile, 'utf8').trim()
    : undefined;
  const cluster: Cluster = {
    name: 'in-cluster',
    server: `https://${serverHost}:${effectivePort}`,
    caFile: join(saDir, 'ca.crt'),
    skipTLSVerify: false,
  };
  // The token file is re-read by client-node's file authenticator, so rotated
  // (bound, expiring) service account tokens keep working.
  const user: User = {
    name: 'in-cluster',
    authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } },
  };
  const context: Context = {
    name: 'in-cluster',
    cluster: 'in-cluster',
    user: 'in-cluster',
    ...(namespace ? { namespace } : {}),
  };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [context],
    currentContext: 'in-cluster',
  });
  return kubeConfig;
}

function selectContext(
  kubeConfig: KubeConfig,
  requested: string | undefined,
  source: KubeconfigSource,
): string {
  const names = kubeConfig.getContexts().map((c) => c.name);
  const available =
    names.length > 0 ? `available contexts: ${names.join(', ')}` : 'it defines no contexts';
  const where = describeSource(source);
  if (requested !== undefined) {
    if (!kubeConfig.getContextObject(requested)) {
      throw new KubeconfigError(
        `context "${requested}" not found in ${where}; ${available}`,
        errorFields(source, requested),
      );
    }
    kubeConfig.setCurrentContext(requested);
    return requested;
  }
  const current = kubeConfig.getCurrentContext();
  if (!current) {
    throw new KubeconfigError(
      `${where} sets no current-context; choose one with --context (${available})`,
      errorFields(source, undefined),
    );
  }
  if (!kubeConfig.getContextObject(current)) {
    throw new KubeconfigError(
      `current-context "${current}" of ${where} does not exist; ${available}`,
      errorFields(source, current),
    );
  }
  return current;
}

function describeSource(source: KubeconfigSource): string {
  switch (source.kind) {
    case 'in-cluster':
      return 'the in-cluster configuration';
    case 'env':
      return source.paths.length === 1
        ? `kubeconfig ${source.paths[0]}`
        : `KUBECONFIG (${source.paths.join(delimiter)})`;
    default:
      return `kubeconfig ${source.paths[0]}`;
  }
}

function errorFields(
  source: KubeconfigSource,
  context: string | undefined,
): { path?: string; context?: string } {
  const path = source.kind === 'in-cluster' ? undefined : source.paths.join(delimiter);
  return { ...(path ? { path } : {}), ...contextField(context) };
}

function contextField(context: string | undefined): { context?: string } {
  return context === undefined ? {} : { context };
}
