/**
 * examples/ci/github-actions/release.yaml: GitHub Actions' structure, the exit-code mapping
 * of its release step (with a stub switchyard), and its jobs run against the simulator with
 * the built CLI: deploy, a header-routed smoke test that reaches the candidate, a release
 * that pauses, the promote job after approval; and a bad candidate stopped by the smoke test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  startSimulatedCluster,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { createCheckout, loadExample, type Checkout } from './ci-harness.js';
import { jobRuns, runJob, validateWorkflow, type GithubContext } from './github-actions.js';

let workflow: Record<string, any>;
let checkout: Checkout;

beforeAll(async () => {
  [workflow] = (await loadExample('github-actions/release.yaml')) as [Record<string, any>];
  checkout = await createCheckout();
});

afterAll(async () => {
  await checkout?.remove();
});

describe('the GitHub Actions workflow', () => {
  it('has the structure GitHub Actions requires, scripts reading only env', () => {
    expect(validateWorkflow(workflow)).toEqual([]);
    expect(workflow.jobs.promote.environment).toBe('release-approval');
    expect(workflow.jobs.promote.if).toBe("needs.release.outputs.outcome == 'paused'");
  });

  it('the structural check names what is wrong in a broken workflow', () => {
    const broken = structuredClone(workflow);
    delete broken.jobs.release['runs-on'];
    broken.jobs.release.steps[2].uses = 'actions/setup-node@v4';
    broken.jobs.promote.needs = 'deploy';
    broken.jobs.promote.steps[4].run = 'switchyard promote ${{ inputs.service }}';
    expect(validateWorkflow(broken)).toEqual([
      'jobs.release.runs-on: required',
      'jobs.release.steps[2]: exactly one of run and uses is required',
      'jobs.promote.needs: no job "deploy"',
      'jobs.promote.if: needs.release.outputs.outcome is not in needs',
      'jobs.promote.steps[4].run: ${{ inputs.service }} inside a script (pass it through env)',
    ]);
  });
});

describe("the release step maps switchyard's exit codes (stub switchyard)", () => {
  const context: GithubContext = { vars: { LOCK_ATTEMPTS: '3', LOCK_RETRY_SECONDS: '0' } };
  const release = async (codes: number[]) => {
    await checkout.useStub(codes);
    const run = await runJob(workflow, 'release', { checkout, context, only: ['release'] });
    const step = run.steps.find((s) => s.id === 'release');
    return { run, stdout: step?.result?.stdout ?? '', calls: await checkout.calls() };
  };

  it.each([
    [[0], 'success', 'released', ''],
    [[4], 'success', 'paused', '::notice title=Paused::approve the promote job'],
    [[3], 'failure', 'rolled-back', '::error title=Rolled back::'],
    [[5], 'failure', 'timed-out', '::error title=Timed out::'],
    [[7], 'failure', 'human-needed', '::error title=Human needed::'],
    [[1], 'failure', 'failed', '::error title=Failed::switchyard exited 1'],
    [[6, 0], 'success', 'released', '::warning title=Locked::'],
    [
      [6, 6, 6],
      'failure',
      'locked',
      '::error title=Locked::the release lock stayed held through 3',
    ],
  ])('exit %j: job %s, outcome %s', async (codes, conclusion, outcome, annotation) => {
    const { run, stdout, calls } = await release(codes);
    expect(run.conclusion).toBe(conclusion);
    expect(run.outputs.outcome).toBe(outcome);
    expect(stdout).toContain(annotation);
    expect(calls).toEqual(codes.map(() => 'release reviews'));
    // Only a paused release goes on to the approval-gated promote job.
    expect(jobRuns(workflow, 'promote', { release: run })).toBe(outcome === 'paused');
  });
});

describe('on the simulator', () => {
  let bed: SimulatedCluster;
  let context: GithubContext;

  beforeAll(async () => {
    bed = await startSimulatedCluster({ prometheus: true });
    await checkout.useCli();
    context = {
      inputs: { image: GOOD_IMAGE },
      secrets: { KUBECONFIG: bed.sim.kubeconfig },
      vars: { PROMETHEUS_URL: bed.sim.prometheusUrl as string },
    };
  });

  afterAll(async () => {
    await bed?.stop();
  });

  const npmInstall = ['install-switchyard'];

  it('deploys, smoke-tests through the header, pauses; promote releases it', async () => {
    const release = await runJob(workflow, 'release', { checkout, context, skip: npmInstall });
    const log = release.steps
      .map((s) => `${s.result?.stdout ?? ''}${s.result?.stderr ?? ''}`)
      .join('');
    expect(release.conclusion, log).toBe('success');
    expect(release.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['0', 'skipped'],
      ['1', 'skipped'],
      ['install-switchyard', 'skipped'],
      ['kubeconfig', 'success'],
      ['deploy', 'success'],
      ['smoke-test', 'success'],
      ['release', 'success'],
    ]);
    const smoke = release.steps.find((s) => s.id === 'smoke-test')?.result?.stdout ?? '';
    expect(smoke).toContain(
      'smoke: candidate bookinfo/reviews-green (slot green, no user traffic)',
    );
    expect(smoke).toMatch(
      /smoke: passed: \d+ header-routed requests served by reviews-green, no 5xx/,
    );
    expect(release.outputs.outcome).toBe('paused');
    expect(await bed.weights()).toEqual({ blue: 50, green: 50 });

    expect(jobRuns(workflow, 'promote', { release })).toBe(true);
    const promote = await runJob(workflow, 'promote', { checkout, context, skip: npmInstall });
    expect(promote.conclusion, promote.steps.at(-1)?.result?.stderr).toBe('success');
    expect(await bed.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('a candidate failing its smoke test loses its header route and the job fails', async () => {
    const weights = await bed.weights();
    const release = await runJob(workflow, 'release', {
      checkout,
      context: { ...context, inputs: { image: BAD_IMAGE } },
      skip: npmInstall,
    });
    expect(release.conclusion).toBe('failure');
    const smoke = release.steps.find((s) => s.id === 'smoke-test');
    expect(smoke?.outcome).toBe('failure');
    expect(smoke?.result?.stderr).toMatch(
      /smoke: FAILED: the candidate answered \d+ of \d+ header-routed requests with 500/,
    );
    expect(smoke?.result?.stdout).toContain('::error title=Smoke test failed::');
    expect(release.steps.find((s) => s.id === 'release')?.outcome).toBe('skipped');
    // Users never moved; the pre-release route to the bad candidate is gone again.
    expect(await bed.weights()).toEqual(weights);
    expect(await bed.routeNames()).not.toContain('switchyard-reviews-prerelease');
    expect(jobRuns(workflow, 'promote', { release })).toBe(false);
  });
});
