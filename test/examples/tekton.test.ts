/**
 * examples/ci/tekton: the Tasks, the Pipeline and the PipelineRun checked against each other,
 * the exit-code mapping of the release Task (with a stub switchyard), and the Pipeline run
 * against the simulator with the built CLI: deploy and smoke test, a release that pauses,
 * the approval, promote; and a bad candidate stopped by the smoke test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  startSimulatedCluster,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { createCheckout, loadExample, type Checkout } from './ci-harness.js';
import {
  runPipeline,
  runTask,
  validatePipeline,
  validatePipelineRun,
  validateTask,
  type TaskRunResult,
} from './tekton.js';

type Doc = Record<string, any>;
let tasks: Doc[];
let pipeline: Doc;
let pipelineRun: Doc;
let checkout: Checkout;

beforeAll(async () => {
  tasks = await loadExample('tekton/tasks.yaml');
  [pipeline] = (await loadExample('tekton/pipeline.yaml')) as [Doc];
  [pipelineRun] = (await loadExample('tekton/pipelinerun.yaml')) as [Doc];
  checkout = await createCheckout();
});

afterAll(async () => {
  await checkout?.remove();
});

const task = (name: string): Doc => tasks.find((t) => t.metadata.name === name) as Doc;

describe('the Tekton Tasks, Pipeline and PipelineRun', () => {
  it('have the structure Tekton requires and fit each other', () => {
    expect(tasks.map((t) => t.metadata.name as string)).toEqual([
      'switchyard-deploy',
      'switchyard-release',
    ]);
    for (const t of tasks) expect(validateTask(t), t.metadata.name).toEqual([]);
    expect(validatePipeline(pipeline, tasks)).toEqual([]);
    expect(validatePipelineRun(pipelineRun, pipeline)).toEqual([]);
    expect(pipelineRun.spec.taskRunTemplate.serviceAccountName).toBe('switchyard');
  });

  it('the structural checks name what is wrong', () => {
    const release = structuredClone(task('switchyard-release'));
    delete release.spec.steps[0].image;
    release.spec.steps[0].env.push({ name: 'X', value: '$(params.missing)' });
    release.spec.steps[0].script = 'switchyard $(params.command)';
    expect(validateTask(release)).toEqual([
      'spec.steps[0].image: required',
      'spec.steps[0].script: start with a shebang',
      'spec.steps[0].script: $(params.command) inside a script (pass it through env)',
      '$(params.missing): no such param',
    ]);
    const broken = structuredClone(pipeline);
    broken.spec.tasks[2].params.push({ name: 'verbose', value: 'true' });
    broken.spec.tasks[3].when[0].input = '$(tasks.release.results.result)';
    broken.spec.tasks[4].runAfter = ['approval'];
    expect(validatePipeline(broken, tasks)).toEqual([
      'spec.tasks[2] (release).params: Task has no param "verbose"',
      'spec.tasks[3] (approve): $(tasks.release.results.result): no such result',
      'spec.tasks[4] (promote).runAfter: no task "approval"',
    ]);
    const run = structuredClone(pipelineRun);
    run.spec.params = run.spec.params.filter((p: Doc) => p.name !== 'image');
    expect(validatePipelineRun(run, pipeline)).toEqual(['spec.params: "image" is required']);
  });
});

describe("the release Task maps switchyard's exit codes (stub switchyard)", () => {
  const params = {
    command: 'release',
    service: 'reviews',
    namespace: 'bookinfo',
    'prometheus-url': 'http://prometheus.istio-system:9090',
    holder: 'tekton:bookinfo/run-1',
    'lock-attempts': '3',
    'lock-retry-seconds': '0',
  };

  it.each([
    [[0], true, 'released', ''],
    [[4], true, 'paused', "the pipeline's approval task gates the promote"],
    [[3], false, 'rolled-back', 'checks failed: rolled back'],
    [[5], false, 'timed-out', 'start the pipeline again'],
    [[7], false, 'human-needed', 'HUMAN NEEDED'],
    [[1], false, 'failed', ''],
    [[6, 0], true, 'released', 'locked by another holder: retrying in 0s (attempt 1 of 3)'],
    [[6, 6, 6], false, 'locked', 'the release lock stayed held through 3 attempts'],
  ])('exit %j: succeeded %s, outcome %s', async (codes, succeeded, outcome, message) => {
    await checkout.useStub(codes);
    const run = await runTask(task('switchyard-release'), params, checkout);
    expect(run.succeeded).toBe(succeeded);
    expect(run.results).toEqual({ outcome });
    expect(run.steps[0]?.result.stdout).toContain(message);
    expect(await checkout.calls()).toEqual(codes.map(() => 'release reviews'));
  });

  it('refuses a command other than release or promote, calling nothing', async () => {
    await checkout.useStub([]);
    const run = await runTask(
      task('switchyard-release'),
      { ...params, command: 'deploy' },
      checkout,
    );
    expect(run.succeeded).toBe(false);
    expect(run.steps[0]?.result.code).toBe(2);
    expect(run.steps[0]?.result.stdout).toContain(
      'command must be release or promote, got "deploy"',
    );
    expect(await checkout.calls()).toEqual([]);
  });
});

describe('on the simulator', () => {
  let bed: SimulatedCluster;
  let params: Record<string, string | string[]>;
  let podEnv: Record<string, string>;

  beforeAll(async () => {
    bed = await startSimulatedCluster({ prometheus: true });
    await checkout.useCli();
    params = Object.fromEntries(
      (pipelineRun.spec.params as Doc[]).map((p) => [p.name as string, p.value as string]),
    );
    params['prometheus-url'] = bed.sim.prometheusUrl as string;
    // In a cluster the pod has its ServiceAccount's token; here, the simulator's kubeconfig.
    podEnv = { KUBECONFIG: bed.sim.kubeconfigPath };
  });

  afterAll(async () => {
    await bed?.stop();
  });

  const logOf = (run: unknown): string =>
    typeof run === 'object'
      ? (run as TaskRunResult).steps.map((s) => s.result.stdout + s.result.stderr).join('')
      : JSON.stringify(run);

  it('deploys and smoke-tests, pauses, waits for approval, promotes', async () => {
    const approvals: string[] = [];
    const run = await runPipeline(
      pipeline,
      tasks,
      { ...params, image: GOOD_IMAGE },
      {
        checkout,
        podEnv,
        approve: async (t) => {
          approvals.push(`${t.name}: ${t.params.find((p: Doc) => p.name === 'description').value}`);
          // The approval comes while the release waits at its pause step.
          expect(await bed.weights()).toEqual({ blue: 50, green: 50 });
          return true;
        },
      },
    );
    expect(run.succeeded, logOf(run.tasks.deploy) + logOf(run.tasks.release)).toBe(true);
    expect(run.tasks['fetch-source']).toBe('fetched');
    expect(logOf(run.tasks.deploy)).toMatch(
      /smoke: passed: \d+ header-routed requests served by reviews-green, no 5xx/,
    );
    expect((run.tasks.release as TaskRunResult).results).toEqual({ outcome: 'paused' });
    expect(approvals).toEqual([
      'approve: $(params.service) paused at a pause step; approve to promote it',
    ]);
    expect(run.tasks.approve).toBe('approved');
    expect((run.tasks.promote as TaskRunResult).results).toEqual({ outcome: 'released' });
    expect(await bed.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('a candidate failing its smoke test loses its header route; nothing else runs', async () => {
    const weights = await bed.weights();
    const run = await runPipeline(
      pipeline,
      tasks,
      { ...params, image: BAD_IMAGE },
      {
        checkout,
        podEnv,
        approve: () => true,
      },
    );
    expect(run.succeeded).toBe(false);
    const deploy = run.tasks.deploy as TaskRunResult;
    expect(deploy.steps.map((s) => [s.name, s.result.code])).toEqual([
      ['deploy', 0],
      ['smoke-test', 1],
    ]);
    expect(logOf(deploy)).toMatch(
      /smoke: FAILED: the candidate answered \d+ of \d+ header-routed requests with 500/,
    );
    expect(Object.keys(run.tasks)).toEqual(['fetch-source', 'deploy']);
    expect(await bed.weights()).toEqual(weights);
    expect(await bed.routeNames()).not.toContain('switchyard-reviews-prerelease');
  });
});
