/**
 * examples/ci/argo/workflow-template.yaml: Argo's structure, the exit-code mapping of its
 * switchyard template (retryStrategy on exit 6, outcome output, the exit handler) with a
 * stub switchyard, and the workflow run against the simulator with the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  startSimulatedCluster,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { createCheckout, loadExample, type Checkout } from './ci-harness.js';
import { retryWanted, runWorkflow, validateWorkflowTemplate } from './argo-workflows.js';

type Doc = Record<string, any>;
let template: Doc;
let checkout: Checkout;

beforeAll(async () => {
  [template] = (await loadExample('argo/workflow-template.yaml')) as [Doc];
  checkout = await createCheckout();
});

afterAll(async () => {
  await checkout?.remove();
});

const templateNamed = (doc: Doc, name: string): Doc =>
  (doc.spec.templates as Doc[]).find((t) => t.name === name) as Doc;

describe('the Argo WorkflowTemplate', () => {
  it('has the structure Argo requires, scripts reading only env', () => {
    expect(validateWorkflowTemplate(template)).toEqual([]);
    expect(template.spec.serviceAccountName).toBe('switchyard');
    expect(templateNamed(template, 'approval').suspend).toEqual({});
    const retry = templateNamed(template, 'switchyard').retryStrategy as Doc;
    expect([1, 3, 4, 5, 6, 7].filter((code) => retryWanted(retry.expression, code))).toEqual([6]);
  });

  it('the structural check names what is wrong', () => {
    const broken = structuredClone(template);
    broken.spec.entrypoint = 'main';
    broken.spec.templates[0].steps[1][0].template = 'smoke';
    broken.spec.templates[0].steps[4][0].arguments.parameters = [];
    templateNamed(broken, 'deploy').script.source =
      'switchyard deploy {{inputs.parameters.service}}';
    templateNamed(broken, 'switchyard').retryStrategy = { retryPolicy: 'OnExitCode' };
    expect(validateWorkflowTemplate(broken)).toEqual([
      'spec.entrypoint: no template "main"',
      'spec.templates[0] (release-pipeline).steps[1] smoke-test: no template "smoke"',
      'spec.templates[0] (release-pipeline).steps promote: input parameter "command" is not given',
      'spec.templates[1] (deploy).script.source: {{inputs.parameters.service}} inside a script (pass it through env)',
      'spec.templates[1] (deploy): {{inputs.parameters.service}}: no such input',
      'spec.templates[3] (switchyard).retryStrategy.retryPolicy: "OnExitCode"',
    ]);
  });
});

describe("the switchyard template maps switchyard's exit codes (stub switchyard)", () => {
  it.each([
    [[0], 'Succeeded', 'released', ''],
    [[4], 'Succeeded', 'paused', 'approve with argo resume'],
    [[3], 'Failed', 'rolled-back', 'checks failed: rolled back'],
    [[5], 'Failed', 'timed-out', 'submit again'],
    [[7], 'Failed', 'human-needed', 'HUMAN NEEDED'],
    [[1], 'Failed', 'failed', ''],
    [[6, 0], 'Succeeded', 'released', 'the retry strategy tries again'],
    [[6, 6, 6, 6, 6], 'Failed', 'locked', 'the retry strategy tries again'],
  ])('exit %j: %s, outcome %s', async (codes, phase, outcome, message) => {
    // `argo submit --entrypoint switchyard -p command=release`; the exit handler's
    // `switchyard status` is the last call.
    await checkout.useStub([...codes, 0]);
    const run = await runWorkflow(template, {
      entrypoint: 'switchyard',
      parameters: { image: GOOD_IMAGE, command: 'release' },
      checkout,
      approve: () => true,
    });
    expect(run.phase).toBe(phase);
    expect(run.main.attempts).toHaveLength(codes.length);
    expect(run.main.outputs).toEqual({ outcome });
    expect(run.main.attempts.map((a) => a.stdout).join('')).toContain(message);
    expect(await checkout.calls()).toEqual([
      ...codes.map(() => 'release reviews'),
      'status reviews',
    ]);
    expect(run.onExit?.attempts[0]?.stdout).toContain(
      `workflow ${phase}; where reviews stands now:`,
    );
  });
});

describe('on the simulator', () => {
  let bed: SimulatedCluster;
  let parameters: Record<string, string>;
  let podEnv: Record<string, string>;

  beforeAll(async () => {
    bed = await startSimulatedCluster({ prometheus: true });
    await checkout.useCli();
    parameters = { 'prometheus-url': bed.sim.prometheusUrl as string };
    // In a cluster the pod has its ServiceAccount's token; here, the simulator's kubeconfig.
    podEnv = { KUBECONFIG: bed.sim.kubeconfigPath };
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('deploys and smoke-tests, suspends at the pause until resumed, promotes', async () => {
    const suspended: string[] = [];
    const run = await runWorkflow(template, {
      parameters: { ...parameters, image: GOOD_IMAGE },
      checkout,
      podEnv,
      approve: async (name) => {
        suspended.push(name);
        expect(await bed.weights()).toEqual({ blue: 50, green: 50 });
        return true;
      },
    });
    const log = Object.values(run.nodes)
      .flatMap((n) => n.attempts.map((a) => a.stdout + a.stderr))
      .join('');
    expect(run.phase, log).toBe('Succeeded');
    expect(Object.entries(run.nodes).map(([name, node]) => [name, node.phase])).toEqual([
      ['deploy', 'Succeeded'],
      ['smoke-test', 'Succeeded'],
      ['release', 'Succeeded'],
      ['approve', 'Succeeded'],
      ['promote', 'Succeeded'],
    ]);
    expect(run.nodes['smoke-test']?.attempts[0]?.stdout).toMatch(
      /smoke: passed: \d+ header-routed requests served by reviews-green, no 5xx/,
    );
    expect(suspended).toEqual(['approval']);
    expect(run.nodes.release?.outputs).toEqual({ outcome: 'paused' });
    expect(run.nodes.promote?.outputs).toEqual({ outcome: 'released' });
    expect(await bed.weights()).toEqual({ blue: 0, green: 100 });
    expect(run.onExit?.attempts[0]?.stdout).toContain('workflow Succeeded');
    expect(run.onExit?.attempts[0]?.stdout).toContain('phase released');
  });

  it('a candidate failing its smoke test loses its header route; the workflow fails', async () => {
    const weights = await bed.weights();
    const run = await runWorkflow(template, {
      parameters: { ...parameters, image: BAD_IMAGE },
      checkout,
      podEnv,
      approve: () => true,
    });
    expect(run.phase).toBe('Failed');
    expect(Object.entries(run.nodes).map(([name, node]) => [name, node.phase])).toEqual([
      ['deploy', 'Succeeded'],
      ['smoke-test', 'Failed'],
    ]);
    expect(run.nodes['smoke-test']?.attempts[0]?.stderr).toMatch(
      /smoke: FAILED: the candidate answered \d+ of \d+ header-routed requests with 500/,
    );
    expect(await bed.weights()).toEqual(weights);
    expect(await bed.routeNames()).not.toContain('switchyard-reviews-prerelease');
    expect(run.onExit?.attempts[0]?.stdout).toContain('workflow Failed');
  });
});
