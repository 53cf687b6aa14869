/**
 * The kubectl verbs the simulator's guide (README, `packages/sim/README.md`) invites, run
 * with real kubectl against `startSimulator` and the default scenario, as a newcomer would:
 * get, describe and explain; create of built-ins from flags (kubectl sends those as protobuf) and from
 * manifests; apply of built-ins and Istio objects without `--validate=false` (the server
 * validates fields); edit; scale and rollout status; delete. And what the guide says does not
 * work: `kubectl logs`.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultScenarioPath, startSimulator, type Simulator } from '@switchyard/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let sim: Simulator;
let dir: string;

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], env: Record<string, string> = {}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args],
      { env: { ...process.env, KUBECONFIG: '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const result = await kubectl(args, env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

async function json<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '-o', 'json'])) as T;
}

const web = (replicas: number, weight: number): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: guide}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example.com/web:1}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: guide}
spec:
  hosts: [web]
  http:
  - route:
    - {destination: {host: web, subset: blue}, weight: ${weight}}
    - {destination: {host: web, subset: green}, weight: ${100 - weight}}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-guide-'));
  sim = await startSimulator({ scenario: defaultScenarioPath() });
  await sim.waitForSettled({ timeoutMs: 30_000 });
});
afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the kubectl verbs the guide invites', () => {
  it('gets and describes the bookinfo objects', async () => {
    const table = await ok(['-n', 'bookinfo', 'get', 'virtualservices,deployments,pods']);
    expect(table).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/m);
    expect(table).toMatch(/^deployment\.apps\/reviews-blue\s+3\/3\s+3\s+3\s/m);
    expect(await ok(['explain', 'virtualservice.spec.http.timeout'])).toMatch(
      /^FIELD: timeout <string>$/m,
    );
    const described = await ok(['-n', 'bookinfo', 'describe', 'deployment', 'reviews-blue']);
    expect(described).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available/m);
    expect(described).toContain('ScalingReplicaSet');
  });

  it('creates built-ins from flags (protobuf bodies) and waits for a rollout', async () => {
    expect(await ok(['create', 'namespace', 'guide'])).toBe('namespace/guide created\n');
    expect(await ok(['get', 'namespace', 'guide', '-o', 'jsonpath={.status.phase}'])).toBe(
      'Active',
    );
    await ok(['-n', 'guide', 'create', 'configmap', 'settings', '--from-literal=mode=fast']);
    await ok(['-n', 'guide', 'create', 'serviceaccount', 'runner']);
    await ok(['-n', 'guide', 'create', 'service', 'clusterip', 'api', '--tcp=80:8080']);
    await ok([
      '-n',
      'guide',
      'create',
      'deployment',
      'api',
      '--image=example.com/api:1',
      '--port=8080',
      '--replicas=2',
      '--',
      'serve',
      '--fast',
    ]);
    const settings = await json<{ data: Record<string, string> }>([
      '-n',
      'guide',
      'get',
      'configmap',
      'settings',
    ]);
    expect(settings.data).toEqual({ mode: 'fast' });
    const service = await json<{ spec: { selector: unknown; ports: unknown[] } }>([
      '-n',
      'guide',
      'get',
      'service',
      'api',
    ]);
    expect(service.spec.selector).toEqual({ app: 'api' });
    expect(service.spec.ports).toEqual([
      { name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 },
    ]);
    const api = await json<{
      spec: { replicas: number; template: { spec: { containers: Record<string, unknown>[] } } };
    }>(['-n', 'guide', 'get', 'deployment', 'api']);
    expect(api.spec.replicas).toBe(2);
    expect(api.spec.template.spec.containers[0]).toMatchObject({
      name: 'api',
      image: 'example.com/api:1',
      command: ['serve', '--fast'],
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
    });
    expect(
      await ok(['-n', 'guide', 'rollout', 'status', 'deployment/api', '--timeout=60s']),
    ).toContain('deployment "api" successfully rolled out');
  });

  it('applies, edits, scales and deletes a Deployment and a VirtualService', async () => {
    const manifest = join(dir, 'web.yaml');
    await writeFile(manifest, web(1, 100));
    expect(await ok(['apply', '-f', manifest])).toBe(
      'deployment.apps/web created\nvirtualservice.networking.istio.io/web created\n',
    );
    await writeFile(manifest, web(2, 80));
    expect(await ok(['apply', '-f', manifest])).toBe(
      'deployment.apps/web configured\nvirtualservice.networking.istio.io/web configured\n',
    );
    // The server validates the fields kubectl sends (fieldValidation=Strict).
    await writeFile(manifest, web(2, 80).replace('hosts: [web]', 'hosts: [web]\n  hostz: [x]'));
    const refused = await kubectl(['apply', '-f', manifest]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('unknown field "spec.hostz"');

    const editor = join(dir, 'editor.sh');
    await writeFile(
      editor,
      '#!/bin/sh\nsed -i -e "s/weight: 80/weight: 50/" -e "s/weight: 20/weight: 50/" "$1"\n',
    );
    await chmod(editor, 0o755);
    expect(await ok(['-n', 'guide', 'edit', 'virtualservice', 'web'], { EDITOR: editor })).toBe(
      'virtualservice.networking.istio.io/web edited\n',
    );
    const vs = await json<{ spec: { http: { route: { weight: number }[] }[] } }>([
      '-n',
      'guide',
      'get',
      'virtualservice',
      'web',
    ]);
    expect(vs.spec.http[0]?.route.map((r) => r.weight)).toEqual([50, 50]);

    await ok(['-n', 'guide', 'scale', 'deployment', 'web', '--replicas=3']);
    expect(
      await ok(['-n', 'guide', 'rollout', 'status', 'deployment/web', '--timeout=60s']),
    ).toContain('deployment "web" successfully rolled out');
    expect(
      await ok([
        '-n',
        'guide',
        'get',
        'deployment',
        'web',
        '-o',
        'jsonpath={.status.readyReplicas}',
      ]),
    ).toBe('3');

    await ok(['delete', '-f', manifest]);
    expect(await ok(['-n', 'guide', 'get', 'deployments,virtualservices', '-o', 'name'])).toBe(
      'deployment.apps/api\n',
    );
  });

  it('says that pod logs are not served (the guide says so too)', async () => {
    const logs = await kubectl(['-n', 'bookinfo', 'logs', 'deployment/productpage']);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('the server could not find the requested resource');
  });
});
