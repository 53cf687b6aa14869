/**
 * A pipeline killed with SIGKILL in the middle of a bake: a new process (the same pipeline
 * identity) resumes at the recorded step, re-runs the sync gate, and never applies a step
 * twice. The VirtualService's writes, recorded on the wire between switchyard and the API
 * server, prove it. Checks are judged by Prometheus; in-cluster Prometheus (reached by
 * port-forward to its pod) only where the cluster has one.
 */
import {
  fastCheckFlags,
  GOOD_IMAGE,
  jsonLines,
  runCli,
  type ApiRecorder,
  type Cluster,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { greenWeightsWritten } from './api-writes.js';
import { deployQuietly } from './deploy-quietly.js';
import { scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';

let cluster: Cluster;
let recorder: ApiRecorder;
let ns: string;

beforeAll(async () => {
  cluster = await startScenarioCluster('resume-after-kill', { prometheus: true });
  ns = cluster.namespace;
  recorder = await cluster.recordApiCalls();
});

afterAll(async () => {
  await recorder?.close();
  await cluster?.stop();
});

/** A canary run by the same pipeline identity each time: the lock stays its own. */
function resumable(checks: readonly string[]): string[] {
  return [
    'release',
    'reviews',
    '--holder',
    'gitlab:shop/pipelines/991',
    '--strategy',
    'canary',
    '--bake',
    '5s',
    ...checks,
    '--check',
    'success-rate>=99',
    '-o',
    'json',
    '-n',
    ns,
    '--kubeconfig',
    recorder.kubeconfig,
  ];
}

describe('a resumable release', () => {
  it('killed with SIGKILL during a bake, resumes at the same step in a new process without applying any step twice', async () => {
    await deployQuietly(cluster, GOOD_IMAGE);
    const before = recorder.requests.length;

    let bakes = 0;
    const first = await runCli(resumable(cluster.checkFlags()), {
      onLine: (line, child) => {
        // Kill it in the bake of the second weight step (25%).
        if (line.includes('"type":"bake-started"') && ++bakes === 2) child.kill('SIGKILL');
      },
    });
    expect(first.code, first.stdout + first.stderr).toBeNull();
    expect(greenWeightsWritten(recorder.requests.slice(before), ns)).toEqual([10, 25]);
    const record = JSON.parse(
      (await cluster.virtualService()).metadata.annotations?.['switchyard.dev/release'] ?? '{}',
    ) as { phase: string; operation: { stage: string; stepIndex: number } };
    expect(record.phase).toBe('releasing');
    expect(record.operation).toMatchObject({ stage: 'baking', stepIndex: 3 });

    const second = await runCli(resumable(cluster.checkFlags()));
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const events = jsonLines(second);
    expect(events.find((e) => e.type === 'operation-started')).toMatchObject({ resumed: true });
    // It resumed at the recorded step (the 25% bake), not at step 0.
    expect(events.find((e) => e.type === 'step-started')?.index).toBe(3);
    // The sync gate ran again before anything else happened.
    const types = events.map((e) => String(e.type));
    expect(types.indexOf('sync-completed')).toBeLessThan(types.indexOf('bake-started'));
    expect(events.at(-1)).toMatchObject({ outcome: 'released', resumed: true, exitCode: 0 });
    // Each weight applied exactly once over both processes.
    expect(greenWeightsWritten(recorder.requests.slice(before), ns)).toEqual([10, 25, 50, 100]);
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
  });

  scenarioNeeding(
    ['inClusterPrometheus'],
    "judged through Prometheus' in-cluster Service (port-forward to its pod) is released (exit 0)",
    async () => {
      await deployQuietly(cluster, `${GOOD_IMAGE}-rc2`);
      const result = await runCli(
        resumable(fastCheckFlags(['--prometheus-service', 'istio-system/prometheus:9090'])),
      );
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const events = jsonLines(result);
      expect(events.some((e) => e.type === 'checks-evaluated' && e.verdict === 'pass')).toBe(true);
      expect(events.at(-1)).toMatchObject({ outcome: 'released', exitCode: 0 });
      expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });
    },
  );
});
