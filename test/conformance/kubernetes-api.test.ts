/**
 * What only the real components show, through switchyard on them: a real kube-apiserver
 * with the real Istio CRDs, sidecars injected by the real istiod webhook, real istiod's
 * /debug/syncz through kubectl port-forward, a deploy rolled out by the real controller
 * manager (its own condition reasons), and the Events switchyard records as kubectl
 * describe shows them, and a GitOps controller's revert named from `managedFields` (the
 * simulator keeps no managedFields). Everything a release does that both tiers can show is a scenario
 * (test/scenarios), run here by the conformance project too.
 */
import { spawn } from 'node:child_process';
import { release, type ReleaseEvent } from '@switchyard/core';
import { ConcurrentEditError } from '@switchyard/core/errors';
import {
  createRealNamespace,
  GOOD_IMAGE,
  jsonLines,
  runCli,
  waitFor,
  type Cluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const info = inject('realCluster');
let ns: Cluster;

beforeAll(async () => {
  ns = await createRealNamespace(info, 'conformance-kube');
});
afterAll(async () => {
  await ns?.stop();
});

describe('the real control plane', () => {
  it('is a real kube-apiserver with the real Istio CRDs', async () => {
    const version = JSON.parse(await ns.kubectl(['version', '-o', 'json'])) as {
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+$/);
    const crd = await ns.kubectlJson<{
      spec: { group: string; versions: { name: string; schema?: unknown }[] };
    }>(['get', 'crd', 'virtualservices.networking.istio.io']);
    expect(crd.spec.group).toBe('networking.istio.io');
    expect(crd.spec.versions.map((v) => v.name)).toEqual(
      expect.arrayContaining(['v1', 'v1beta1', 'v1alpha3']),
    );
    expect(crd.spec.versions.every((v) => v.schema !== undefined)).toBe(true);
  });

  it('injects sidecars with the real istiod webhook', async () => {
    const pods = await ns.kubectlJson<{
      items: { spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }[];
    }>(['-n', ns.namespace, 'get', 'pods', '-l', 'app=reviews']);
    expect(pods.items.length).toBeGreaterThan(0);
    for (const pod of pods.items) {
      const names = [
        ...pod.spec.containers.map((c) => c.name),
        ...(pod.spec.initContainers ?? []).map((c) => c.name),
      ];
      expect(names).toContain('istio-proxy');
    }
  });
});

describe('real istiod', () => {
  it('runs two istiod pods whose port-forward serves real /debug/syncz', async () => {
    const pods = await ns.kubectlJson<{
      items: { metadata: { name: string }; status: { phase: string } }[];
    }>(['-n', 'istio-system', 'get', 'pods', '-l', 'app=istiod']);
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status.phase === 'Running')).toBe(true);
    const pod = pods.items[0]!.metadata.name;
    const forward = spawn(
      'kubectl',
      [
        '--kubeconfig',
        info.kubeconfig,
        '-n',
        'istio-system',
        'port-forward',
        `pod/${pod}`,
        ':15014',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        forward.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          const match = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        forward.on('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}`)));
      });
      const syncz = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/debug/syncz`);
          const body = (await response.json()) as { proxy: string; cluster_id: string }[];
          return body.length > 0 ? body : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1000, description: 'syncz listing proxies' },
      );
      // istiod's own shape: a proxy id per connection, the cluster it came from.
      expect(syncz[0]).toMatchObject({ cluster_id: 'Kubernetes' });
    } finally {
      forward.kill();
    }
  });
});

describe('switchyard deploy on a real API server', () => {
  it('rolls the idle slot out with the real controller manager and adds the header route', async () => {
    const result = await runCli([
      'deploy',
      'reviews',
      '--image',
      GOOD_IMAGE,
      '--header',
      'x-release=candidate',
      '-o',
      'json',
      ...ns.cliTarget(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const objects = jsonLines(result);
    expect(objects.at(-1)).toMatchObject({ operation: 'deploy', service: 'reviews', exitCode: 0 });
    expect(objects.some((o) => o.type === 'rollout-progress')).toBe(true);
    expect(objects.some((o) => o.type === 'sync-completed')).toBe(true);

    const green = await ns.kubectlJson<{
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
      status: {
        availableReplicas?: number;
        updatedReplicas?: number;
        conditions: { type: string; status: string; reason: string }[];
      };
    }>(['-n', ns.namespace, 'get', 'deployment', 'reviews-green']);
    expect(green.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
    expect(green.spec.replicas).toBeGreaterThan(0);
    expect(green.status.availableReplicas).toBe(green.spec.replicas);
    // The rollout was the real controller's: it sets the reason Kubernetes documents.
    expect(green.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
        }),
      ]),
    );

    const vs = await ns.virtualService();
    const headerRoute = vs.spec.http?.find((r) =>
      r.match?.some((m) => m.headers?.['x-release']?.exact === 'candidate'),
    );
    expect(headerRoute?.route?.[0]?.destination.subset).toBe('green');
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('records Events on the VirtualService that kubectl describe shows', async () => {
    const described = await ns.kubectl([
      '-n',
      ns.namespace,
      'describe',
      'virtualservice',
      'reviews',
    ]);
    expect(described).toMatch(/Events:/);
    expect(described).toMatch(/switchyard/);
    const events = await ns.kubectlJson<{
      items: {
        reason: string;
        source?: { component?: string };
        involvedObject: { kind: string; name: string };
      }[];
    }>([
      '-n',
      ns.namespace,
      'get',
      'events',
      '--field-selector',
      'involvedObject.kind=VirtualService',
    ]);
    const ours = events.items.filter((e) => e.source?.component === 'switchyard');
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.every((e) => e.involvedObject.name === 'reviews')).toBe(true);
  });
});

describe('a concurrent edit on a real API server', () => {
  // The deploy above left the candidate on green, blue serving everything.
  it('a GitOps revert during a release is detected by the json-patch test, named from managedFields and kept', async () => {
    const events: ReleaseEvent[] = [];
    let settled = false;
    const running = release({
      ...ns.operationOptions('conformance-a'),
      checks: { items: [] },
      strategy: { steps: [{ weight: 20 }, { bake: '60s' }, { weight: 100 }] },
      onEvent: (e) => events.push(e),
    })
      .catch((e: unknown) => e)
      .finally(() => (settled = true));
    await waitFor(
      async () => {
        if (settled) throw new Error(`the release ended before its bake: ${String(await running)}`);
        return events.some((e) => e.type === 'bake-started');
      },
      { timeoutMs: 120_000, description: 'the bake' },
    );
    const live = await ns.virtualService();
    const primary = live.spec.http?.findIndex((r) => r.name === 'primary') ?? -1;
    expect(primary).toBeGreaterThanOrEqual(0);
    // Argo CD's self-heal puts the weights back as Git has them, under its own field manager.
    await ns.kubectl([
      '-n',
      ns.namespace,
      'patch',
      'virtualservice',
      'reviews',
      '--field-manager=argocd-controller',
      '--type',
      'json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: `/spec/http/${primary}/route/0/weight`, value: 100 },
        { op: 'replace', path: `/spec/http/${primary}/route/1/weight`, value: 0 },
      ]),
    ]);
    const outcome = await running;
    expect(outcome).toBeInstanceOf(ConcurrentEditError);
    expect((outcome as Error).message).toMatch(
      /changed by someone else to blue 100 \/ green 0 \(switchyard had set blue 80 \/ green 20\) \(managedFields: written by "argocd-controller" \(Update at \S+\)\)/,
    );
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
  });
});
