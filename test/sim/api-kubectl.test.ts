/**
 * Real kubectl (1.32) against the simulated API server through a written kubeconfig:
 * get (server-side tables), describe (events found by field selector), patch (merge, JSON,
 * strategic), apply --validate=false (strategic merge for built-ins, merge patch for
 * custom resources), scale, delete, and the errors kubectl prints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestCluster,
  type TestCluster,
} from '../../packages/sim/src/api/__fixtures__/api-test-cluster.js';
import { writeKubeconfig } from '../../packages/sim/src/api/kubeconfig.js';

let cluster: TestCluster;
let dir: string;
let kubeconfig: string;

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(
  args: string[],
  options: { kubeconfigPath?: string } = {},
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [
        '--kubeconfig',
        options.kubeconfigPath ?? kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        ...args,
      ],
      { env: { ...process.env, KUBECONFIG: '' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const result = await kubectl(args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

async function manifest(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const virtualService = (weightBlue: number): string => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
spec:
  hosts: [productpage]
  http:
  - name: primary
    route:
    - destination: {host: productpage, subset: blue}
      weight: ${weightBlue}
    - destination: {host: productpage, subset: green}
      weight: ${100 - weightBlue}
`;

const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: productpage
  labels: {app: productpage}
spec:
  replicas: 1
  selector: {matchLabels: {app: productpage}}
  template:
    metadata: {labels: {app: productpage}}
    spec:
      containers:
      - name: productpage
        image: ${image}
        env: [{name: LOG_LEVEL, value: info}]
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'api-kubectl-'));
  cluster = await startTestCluster();
  kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, {
    server: cluster.url,
    caPem: cluster.caPem,
    token: cluster.token,
    namespace: 'bookinfo',
  });
  cluster.seed('networking.istio.io', 'virtualservices', 'bookinfo', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews' },
    spec: {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'blue' }, weight: 100 }] }],
    },
  });
  cluster.seed('networking.istio.io', 'destinationrules', 'bookinfo', {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews' },
    spec: {
      host: 'reviews',
      subsets: [
        { name: 'blue', labels: { slot: 'blue' } },
        { name: 'green', labels: { slot: 'green' } },
      ],
    },
  });
  cluster.seed('apps', 'deployments', 'bookinfo', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reviews-blue', labels: { app: 'reviews' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'reviews', slot: 'blue' } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: {
        metadata: { labels: { app: 'reviews', slot: 'blue' } },
        spec: { containers: [{ name: 'reviews', image: 'reviews:1' }] },
      },
    },
    status: { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 },
  });
  const deploymentUid = cluster.store.list(
    cluster.registry.byPlural('apps', 'deployments')!,
    'bookinfo',
  ).items[0]!.metadata.uid;
  cluster.seed('', 'events', 'bookinfo', {
    metadata: { name: 'reviews-blue.1' },
    involvedObject: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'reviews-blue',
      namespace: 'bookinfo',
      uid: deploymentUid,
    },
    reason: 'ScalingReplicaSet',
    message: 'Scaled up replica set reviews-blue-5d8f from 0 to 2',
    type: 'Normal',
    source: { component: 'deployment-controller' },
    firstTimestamp: new Date().toISOString(),
    lastTimestamp: new Date().toISOString(),
    count: 1,
  });
  for (const [name, nodeName] of [
    ['reviews-blue-5d8f-abcde', 'node-1'],
    ['reviews-blue-5d8f-fghij', undefined],
  ] as const) {
    cluster.seed('', 'pods', 'bookinfo', {
      metadata: { name, labels: { app: 'reviews', slot: 'blue' } },
      spec: {
        containers: [{ name: 'reviews', image: 'reviews:1', ports: [{ containerPort: 9080 }] }],
        ...(nodeName ? { nodeName } : {}),
      },
      status: {
        phase: 'Running',
        podIP: '10.244.0.11',
        containerStatuses: [
          {
            name: 'reviews',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      },
    });
  }
});

afterAll(async () => {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl get and describe', () => {
  it('prints server-side tables for custom and built-in resources', async () => {
    const vs = await ok(['get', 'virtualservices']);
    expect(vs).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE\n/);
    expect(vs).toMatch(/reviews\s+\["reviews"\]\s+\d+s/);
    const dr = await ok(['get', 'dr', '-o', 'name']);
    expect(dr).toBe('destinationrule.networking.istio.io/reviews\n');
    const deploy = await ok(['get', 'deploy', 'reviews-blue']);
    expect(deploy).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nreviews-blue\s+2\/2\s+2\s+2\s+/,
    );
    const pods = await ok(['get', 'pods', '-A', '-l', 'slot=blue', '-o', 'wide']);
    expect(pods).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(pods).toMatch(
      /bookinfo\s+reviews-blue-5d8f-abcde\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.0\.11\s+node-1/,
    );
  });

  it('describes a Deployment with its events, a Pod and a VirtualService', async () => {
    const deploy = await ok(['describe', 'deployment', 'reviews-blue']);
    expect(deploy).toMatch(
      /Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable/,
    );
    expect(deploy).toMatch(/RollingUpdateStrategy:\s+25% max unavailable, 25% max surge/);
    expect(deploy).toMatch(
      /Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set reviews-blue-5d8f from 0 to 2/,
    );
    const pod = await ok(['describe', 'pod', 'reviews-blue-5d8f-abcde']);
    expect(pod).toMatch(/Status:\s+Running/);
    expect(pod).toMatch(/IP:\s+10\.244\.0\.11/);
    const vs = await ok(['describe', 'vs', 'reviews']);
    expect(vs).toMatch(/Kind:\s+VirtualService/);
    expect(vs).toMatch(/Subset:\s+blue/);
  });

  it('prints the server’s errors', async () => {
    const missing = await kubectl(['get', 'vs', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'Error from server (NotFound): virtualservices.networking.istio.io "nope" not found\n',
    );
    const badToken = join(dir, 'bad-kubeconfig');
    await writeKubeconfig(badToken, { server: cluster.url, caPem: cluster.caPem, token: 'wrong' });
    const unauthorized = await kubectl(['get', 'pods', '-n', 'bookinfo'], {
      kubeconfigPath: badToken,
    });
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toContain(
      'error: You must be logged in to the server (Unauthorized)',
    );
  });
});

describe('kubectl patch', () => {
  it('merge-patches and JSON-patches a VirtualService; a failing test op changes nothing', async () => {
    await ok([
      'patch',
      'vs',
      'reviews',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"annotations":{"owner":"switchyard"}}}',
    ]);
    await ok([
      'patch',
      'vs',
      'reviews',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/http/0/route/0/weight","value":100},{"op":"replace","path":"/spec/http/0/route/0/weight","value":80}]',
    ]);
    const failed = await kubectl([
      'patch',
      'vs',
      'reviews',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/spec/http/0/route/0/weight","value":100},{"op":"replace","path":"/spec/http/0/route/0/weight","value":1}]',
    ]);
    expect(failed.code).toBe(1);
    // What kubectl prints for a real API server's bare 422 (no causes).
    expect(failed.stderr).toContain(
      'The request is invalid: the server rejected our request due to an error in our request',
    );
    const state = await ok([
      'get',
      'vs',
      'reviews',
      '-o',
      'jsonpath={.metadata.annotations.owner} {.spec.http[0].route[0].weight}',
    ]);
    expect(state).toBe('switchyard 80');
  });

  it('refuses a strategic merge patch on a custom resource, accepts it on a Deployment', async () => {
    const refused = await kubectl(['patch', 'dr', 'reviews', '-p', '{"spec":{"host":"x"}}']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'application/strategic-merge-patch+json is not supported by networking.istio.io/v1, Kind=DestinationRule',
    );
    await ok([
      'patch',
      'deployment',
      'reviews-blue',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"reviews","image":"reviews:2"}]}}}}',
    ]);
    const image = await ok([
      'get',
      'deploy',
      'reviews-blue',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.metadata.generation}',
    ]);
    expect(image).toBe('reviews:2 2');
  });
});

describe('kubectl apply --validate=false', () => {
  it('creates and updates a VirtualService (merge patch) and a DestinationRule', async () => {
    const vsPath = await manifest('vs.yaml', virtualService(100));
    expect(await ok(['apply', '--validate=false', '-f', vsPath])).toBe(
      'virtualservice.networking.istio.io/productpage created\n',
    );
    await writeFile(vsPath, virtualService(90));
    expect(await ok(['apply', '--validate=false', '-f', vsPath])).toBe(
      'virtualservice.networking.istio.io/productpage configured\n',
    );
    expect(
      await ok(['get', 'vs', 'productpage', '-o', 'jsonpath={.spec.http[0].route[*].weight}']),
    ).toBe('90 10');

    const drPath = await manifest(
      'dr.yaml',
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: productpage}\nspec:\n  host: productpage\n  subsets: [{name: blue, labels: {slot: blue}}]\n',
    );
    expect(await ok(['apply', '--validate=false', '-f', drPath])).toBe(
      'destinationrule.networking.istio.io/productpage created\n',
    );
    expect(await ok(['apply', '--validate=false', '-f', drPath])).toBe(
      'destinationrule.networking.istio.io/productpage unchanged\n',
    );
  });

  it('updates a Deployment with a strategic merge patch that keeps what the manifest still lists', async () => {
    const path = await manifest('deploy.yaml', deployment('productpage:1'));
    expect(await ok(['apply', '--validate=false', '-f', path])).toBe(
      'deployment.apps/productpage created\n',
    );
    await writeFile(path, deployment('productpage:2'));
    expect(await ok(['apply', '--validate=false', '-f', path])).toBe(
      'deployment.apps/productpage configured\n',
    );
    const state = await ok([
      'get',
      'deploy',
      'productpage',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[0].value} {.metadata.generation}',
    ]);
    expect(state).toBe('productpage:2 info 2');
  });

  it('applies a Pod and changes its labels', async () => {
    const pod = (tier: string): string =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: debug, labels: {tier: ${tier}}}\nspec:\n  containers: [{name: sh, image: busybox:1.36}]\n`;
    const path = await manifest('pod.yaml', pod('a'));
    expect(await ok(['apply', '--validate=false', '-f', path])).toBe('pod/debug created\n');
    await writeFile(path, pod('b'));
    expect(await ok(['apply', '--validate=false', '-f', path])).toBe('pod/debug configured\n');
    expect(
      await ok(['get', 'pod', 'debug', '-o', 'jsonpath={.metadata.labels.tier} {.status.phase}']),
    ).toBe('b Pending');
  });
});

describe('kubectl against a server without aggregated discovery', () => {
  it('falls back to the legacy discovery documents', async () => {
    const legacy = await startTestCluster({ aggregatedDiscovery: false });
    try {
      const path = join(dir, 'legacy-kubeconfig');
      await writeKubeconfig(path, {
        server: legacy.url,
        caPem: legacy.caPem,
        token: legacy.token,
        namespace: 'default',
      });
      const resources = await kubectl(
        ['api-resources', '--api-group=networking.istio.io', '-o', 'name'],
        { kubeconfigPath: path },
      );
      expect(resources.code).toBe(0);
      expect(resources.stdout.split('\n').filter(Boolean).sort()).toEqual([
        'destinationrules.networking.istio.io',
        'gateways.networking.istio.io',
        'virtualservices.networking.istio.io',
      ]);
      const none = await kubectl(['get', 'vs'], { kubeconfigPath: path });
      expect(none.code).toBe(0);
      expect(none.stderr).toBe('No resources found in default namespace.\n');
    } finally {
      await legacy.stop();
    }
  });
});

describe('kubectl scale and delete', () => {
  it('scales through the scale subresource', async () => {
    expect(await ok(['scale', 'deployment', 'reviews-blue', '--replicas=3'])).toBe(
      'deployment.apps/reviews-blue scaled\n',
    );
    expect(await ok(['get', 'deploy', 'reviews-blue', '-o', 'jsonpath={.spec.replicas}'])).toBe(
      '3',
    );
  });

  it('deletes custom resources, Deployments and Pods', async () => {
    expect(await ok(['delete', 'vs', 'productpage'])).toBe(
      'virtualservice.networking.istio.io "productpage" deleted\n',
    );
    expect(await ok(['delete', 'dr', 'productpage'])).toBe(
      'destinationrule.networking.istio.io "productpage" deleted\n',
    );
    expect(await ok(['delete', 'deployment', 'productpage'])).toBe(
      'deployment.apps "productpage" deleted\n',
    );
    // An unscheduled pod goes at once; a scheduled one is forced with grace period 0.
    expect(await ok(['delete', 'pod', 'reviews-blue-5d8f-fghij'])).toBe(
      'pod "reviews-blue-5d8f-fghij" deleted\n',
    );
    const forced = await kubectl([
      'delete',
      'pod',
      'reviews-blue-5d8f-abcde',
      '--grace-period=0',
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toBe('pod "reviews-blue-5d8f-abcde" force deleted\n');
    const left = await ok(['get', 'vs,dr,deploy,pods', '-o', 'name']);
    expect(left.split('\n').filter(Boolean).sort()).toEqual([
      'deployment.apps/reviews-blue',
      'destinationrule.networking.istio.io/reviews',
      'pod/debug',
      'virtualservice.networking.istio.io/reviews',
    ]);
  });
});
