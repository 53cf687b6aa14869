/**
 * switchyard against a real kube-apiserver, controller manager and KWOK: the CLI deploys
 * through a real Deployment rollout, refuses bad input with every resourceVersion
 * unchanged, is refused by a Lease another pipeline holds, records Events that kubectl
 * describe shows, prints JSON Lines, and detects a manual edit with real json-patch `test`
 * semantics, keeping it.
 */
import { spawn } from 'node:child_process';
import { release, type ReleaseEvent } from '@switchyard/core';
import { ConcurrentEditError } from '@switchyard/core/errors';
import { microTime } from '@switchyard/core/internal-testing';
import { GOOD_IMAGE, realNamespace, waitFor, type RealNamespace } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonLines, runCli } from '../cli/run-cli.js';

const info = inject('realTestbed');
let ns: RealNamespace;

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-kube');
});
afterAll(async () => {
  await ns?.remove();
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
  it('refuses bad input with exit 2 and changes nothing', async () => {
    const before = await ns.snapshot();
    const cases: [string[], RegExp][] = [
      [['deploy', 'reviews', '--image', GOOD_IMAGE, '--strategy', 'sideways'], /strategy/],
      [['deploy', 'nosuchservice', '--image', GOOD_IMAGE], /nosuchservice/],
      [['release', 'reviews', '--check', 'success-rate>=banana'], /check/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli([...args, ...ns.cliTarget()]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(await ns.snapshot()).toEqual(before);
    }
    expect(before.lease).toBe(false);
  });

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

describe('locks and concurrent edits on a real API server', () => {
  it('a Lease held by another pipeline refuses deploy with exit 6, naming it, changing nothing', async () => {
    const now = microTime(Date.now());
    await ns.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'switchyard-reviews', namespace: ns.namespace },
        spec: {
          holderIdentity: 'gitlab:shop/77',
          leaseDurationSeconds: 600,
          acquireTime: now,
          renewTime: now,
        },
      }),
    );
    const before = await ns.snapshot();
    const result = await runCli(['deploy', 'reviews', '--image', GOOD_IMAGE, ...ns.cliTarget()]);
    expect(result.code, result.stderr).toBe(6);
    expect(result.stderr).toContain('[SWITCHYARD_LOCKED]');
    expect(result.stderr).toContain('held by "gitlab:shop/77"');
    expect(await ns.snapshot()).toEqual(before);
    await ns.kubectl(['-n', ns.namespace, 'delete', 'lease', 'switchyard-reviews']);
  });

  it('a manual edit during a release is detected by the json-patch test and kept', async () => {
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
    await ns.kubectl([
      '-n',
      ns.namespace,
      'patch',
      'virtualservice',
      'reviews',
      '--type',
      'json',
      '-p',
      JSON.stringify([
        { op: 'replace', path: `/spec/http/${primary}/route/0/weight`, value: 50 },
        { op: 'replace', path: `/spec/http/${primary}/route/1/weight`, value: 50 },
      ]),
    ]);
    const outcome = await running;
    expect(outcome).toBeInstanceOf(ConcurrentEditError);
    expect((outcome as Error).message).toMatch(/changed by someone else to blue 50 \/ green 50/);
    expect(await ns.weights()).toEqual({ blue: 50, green: 50 });
  });
});
