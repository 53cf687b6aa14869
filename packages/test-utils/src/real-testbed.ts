/**
 * The real control plane test bed (`testbed/`, Go): etcd, kube-apiserver, controllers,
 * KWOK, istiod replicas from Istio's charts, the proxy fleet and Prometheus, as local
 * processes. `startRealTestbed` runs `npm run testbed -- up` and parses what it prints;
 * `realNamespace` gives each test file its own copy of bookinfo in a fresh namespace, so
 * suites sharing one test bed do not see each other's releases.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { readSlotWeights, type OperationInput, type VirtualService } from '@switchyard/core';
import { promQuery, type PromSample } from './prom-query.js';
import { runKubectl } from './run-kubectl.js';
import { BOOKINFO_MANIFESTS, FAST_CHECKS } from './testbed.js';
import { waitFor } from './wait-for.js';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where a running real test bed is reached. */
export interface RealTestbedInfo {
  /** Folder holding its files (removed by `down`). */
  dir: string;
  /** Admin kubeconfig. */
  kubeconfig: string;
  /** Control API (fleet settings, components). */
  controlUrl: string;
  /** Prometheus base URL. */
  prometheusUrl: string;
}

/** A started real test bed. */
export interface RealTestbed extends RealTestbedInfo {
  /** Stops every process and removes its files. */
  stop(): Promise<void>;
}

/** Parses the `key: value` lines `testbed up` prints. */
export function parseUpOutput(stdout: string, dir: string): RealTestbedInfo {
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

/** Starts a real test bed in `dir` (builds what is missing first). */
export async function startRealTestbed(
  dir: string,
  extraArgs: readonly string[] = [],
): Promise<RealTestbed> {
  const stdout = await testbedCommand(['up', `--dir=${dir}`, ...extraArgs], 30 * 60_000);
  const info = parseUpOutput(stdout, dir);
  return { ...info, stop: () => stopRealTestbed(dir) };
}

/** Stops the test bed in `dir` and removes its files. */
export async function stopRealTestbed(dir: string): Promise<void> {
  await testbedCommand(['down', `--dir=${dir}`], 120_000);
}

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** The client workload that sends the pre-release header in the test bed. */
const RELEASE_TESTER = join(ROOT, 'testbed', 'scenarios', 'release-tester.yaml');

/** The bookinfo manifests and the release-tester workload, moved into `namespace`. */
export async function bookinfoIn(namespace: string): Promise<KubeObject[]> {
  const files = (await readdir(BOOKINFO_MANIFESTS))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(BOOKINFO_MANIFESTS, f));
  const objects: KubeObject[] = [];
  for (const file of [...files, RELEASE_TESTER]) {
    for (const doc of loadAll(readFileSync(file, 'utf8'))) {
      if (!doc) continue;
      const obj = doc as KubeObject;
      if (obj.kind === 'Namespace') obj.metadata.name = namespace;
      else obj.metadata.namespace = namespace;
      objects.push(obj);
    }
  }
  return objects;
}

/** One test file's namespace on a real test bed, holding its own bookinfo. */
export interface RealNamespace {
  info: RealTestbedInfo;
  namespace: string;
  /** kubectl against the test bed; resolves stdout, rejects with stderr. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** A kubectl JSON read. */
  kubectlJson<T = unknown>(args: readonly string[]): Promise<T>;
  /** The reviews VirtualService. */
  virtualService(): Promise<VirtualService>;
  /** The reviews VirtualService's primary-route weights per slot. */
  weights(): Promise<{ blue: number; green: number }>;
  /** resourceVersions of every object switchyard may touch, and whether its Lease exists. */
  snapshot(): Promise<Record<string, string | boolean | undefined>>;
  /** Library options for reviews in this namespace. */
  operationOptions(holderIdentity: string, extra?: Partial<OperationInput>): OperationInput;
  /** CLI flags pointing at this namespace and test bed. */
  cliTarget(): string[];
  /** CLI flags for checks against the test bed's Prometheus, sized for a 1 s scrape. */
  checkFlags(): string[];
  /** Sends a JSON body to the test bed's control API (the proxy fleet's settings). */
  control(method: 'PUT' | 'GET', path: string, body?: unknown): Promise<unknown>;
  /** Makes matching proxies of this namespace stuck or rejecting (`[]` clears). */
  setProxyOverrides(overrides: readonly Record<string, unknown>[]): Promise<void>;
  /** Instant PromQL query; the vector as metric labels and values. */
  promQuery(query: string): Promise<PromSample[]>;
  /** Deletes the namespace. */
  remove(): Promise<void>;
}

/** Creates `namespace` with bookinfo on the test bed and waits for its Deployments. */
export async function realNamespace(
  info: RealTestbedInfo,
  namespace: string,
): Promise<RealNamespace> {
  const kubectl = (args: readonly string[], input?: string): Promise<string> =>
    runKubectl(info.kubeconfig, args, input);
  const kubectlJson = async <T>(args: readonly string[]): Promise<T> =>
    JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
  const control = (method: 'PUT' | 'GET', path: string, body?: unknown) =>
    controlRequest(info.controlUrl, method, path, body);
  const objects = await bookinfoIn(namespace);
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  await waitFor(
    async () => {
      const list = await kubectlJson<{
        items: {
          metadata: { name: string };
          spec: { replicas?: number };
          status: { availableReplicas?: number; updatedReplicas?: number };
        }[];
      }>(['-n', namespace, 'get', 'deployments']);
      return list.items.length > 0 &&
        list.items.every((d) => (d.status.availableReplicas ?? 0) === (d.spec.replicas ?? 1))
        ? true
        : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500, description: `bookinfo Deployments in ${namespace}` },
  );
  // This namespace's traffic: productpage calls reviews, release-tester with the header.
  await control('PUT', '/clients', {
    clients: [
      {
        name: 'productpage',
        namespace,
        rps: 40,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
      },
      {
        name: 'release-tester',
        namespace,
        rps: 10,
        target: { host: 'reviews', port: 9080, path: '/reviews/0' },
        headers: { 'x-release': 'candidate' },
      },
    ],
  });
  const rv = async (kind: string, name: string): Promise<string | undefined> => {
    try {
      const obj = await kubectlJson<{ metadata: { resourceVersion: string } }>([
        '-n',
        namespace,
        'get',
        kind,
        name,
      ]);
      return obj.metadata.resourceVersion;
    } catch {
      return undefined;
    }
  };
  const virtualService = () =>
    kubectlJson<VirtualService>(['-n', namespace, 'get', 'virtualservice', 'reviews']);
  return {
    info,
    namespace,
    kubectl,
    kubectlJson,
    virtualService,
    weights: async () =>
      readSlotWeights(await virtualService(), {
        service: 'reviews',
        namespace,
        subsets: { blue: 'blue', green: 'green' },
      }),
    snapshot: async () => ({
      virtualService: await rv('virtualservice', 'reviews'),
      destinationRule: await rv('destinationrule', 'reviews'),
      blue: await rv('deployment', 'reviews-blue'),
      green: await rv('deployment', 'reviews-green'),
      lease: (await rv('lease', 'switchyard-reviews')) !== undefined,
    }),
    operationOptions: (holderIdentity, extra = {}) => ({
      kubeconfig: info.kubeconfig,
      service: 'reviews',
      namespace,
      holderIdentity,
      prometheus: { url: info.prometheusUrl },
      checks: FAST_CHECKS,
      sync: { timeout: '60s' },
      ...extra,
    }),
    cliTarget: () => ['-n', namespace, '--kubeconfig', info.kubeconfig],
    checkFlags: () => [
      '--prometheus-url',
      info.prometheusUrl,
      '--scrape-interval',
      '1s',
      '--window',
      '6s',
      '--check-interval',
      '2s',
    ],
    control,
    setProxyOverrides: async (overrides) => {
      await control('PUT', '/proxies/overrides', {
        overrides: overrides.map((o) => ({
          ...o,
          match: { namespace, ...((o.match as Record<string, unknown> | undefined) ?? {}) },
        })),
      });
    },
    promQuery: (query) => promQuery(info.prometheusUrl, query),
    remove: async () => {
      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    },
  };
}

/** One control API request; rejects with the answer's text on a non-2xx status. */
async function controlRequest(
  base: string,
  method: 'PUT' | 'GET',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}
