/**
 * examples/ci/gitlab/.gitlab-ci.yml: GitLab CI's structure, the exit-code mapping of its
 * jobs (allowed failure, retries, dotenv to the manual promote job) with a stub switchyard,
 * and the jobs run against the simulator with the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_IMAGE,
  GOOD_IMAGE,
  startSimulatedCluster,
  type SimulatedCluster,
} from '@switchyard/test-utils';
import { createCheckout, loadExample, type Checkout } from './ci-harness.js';
import { jobNames, runJob, validatePipeline } from './gitlab-ci.js';

let pipeline: Record<string, any>;
let checkout: Checkout;

beforeAll(async () => {
  [pipeline] = (await loadExample('gitlab/.gitlab-ci.yml')) as [Record<string, any>];
  checkout = await createCheckout();
});

afterAll(async () => {
  await checkout?.remove();
});

describe('the GitLab CI pipeline', () => {
  it('has the structure GitLab requires, scripts reading only variables', () => {
    expect(validatePipeline(pipeline)).toEqual([]);
    expect(jobNames(pipeline)).toEqual(['deploy', 'release', 'promote']);
    expect(pipeline.promote.when).toBe('manual');
    expect(pipeline.release.allow_failure).toEqual({ exit_codes: [4] });
  });

  it('the structural check names what is wrong in a broken pipeline', () => {
    const broken = structuredClone(pipeline);
    broken.release.stage = 'verify';
    broken.promote.needs = ['approve'];
    broken.deploy.retry.max = 5;
    broken.default.resource_group = 'x';
    delete broken.promote.script;
    expect(validatePipeline(broken)).toEqual([
      'default.resource_group: not allowed in default',
      'deploy.retry.max: must be 0, 1 or 2',
      'release.stage: "verify" is not in stages',
      'promote.script: required, strings only',
      'promote.needs: no job "approve"',
    ]);
  });
});

describe("the jobs map switchyard's exit codes (stub switchyard)", () => {
  const variables = { IMAGE: GOOD_IMAGE, LOCK_RETRY_SECONDS: '0' };

  it.each([
    [[0], 'success', 'released', ''],
    [[4], 'allowed-failure', 'paused', 'run the manual job promote'],
    [[3], 'failed', 'rolled-back', 'checks failed: rolled back'],
    [[5], 'failed', 'timed-out', 'rolled back, run the pipeline again'],
    [[7], 'failed', 'human-needed', 'HUMAN NEEDED'],
    [[1], 'failed', 'failed', ''],
    [[6, 0], 'success', 'released', 'locked by another holder'],
    [[6, 6, 6], 'failed', 'locked', 'locked by another holder'],
  ])('release exit %j: %s, RELEASE_OUTCOME=%s', async (codes, status, outcome, message) => {
    await checkout.useStub(codes);
    const run = await runJob(pipeline, 'release', { checkout, variables });
    expect(run.status).toBe(status);
    expect(run.attempts).toHaveLength(codes.length);
    expect(run.attempts.map((a) => a.stdout).join('')).toContain(message);
    expect(run.dotenv).toEqual({ RELEASE_OUTCOME: outcome });
    expect(await checkout.calls()).toEqual(codes.map(() => 'release reviews'));
  });

  it('deploy is retried while locked, and never smoke-tests without a deploy', async () => {
    await checkout.useStub([6, 6, 6]);
    const run = await runJob(pipeline, 'deploy', { checkout, variables });
    expect(run.status).toBe('failed');
    expect(run.attempts.map((a) => a.code)).toEqual([6, 6, 6]);
    expect(await checkout.calls()).toEqual(
      [1, 2, 3].map(() => `deploy reviews --image ${GOOD_IMAGE} --header x-release=candidate`),
    );
  });

  it('promote does nothing unless the release paused', async () => {
    await checkout.useStub([]);
    const run = await runJob(pipeline, 'promote', {
      checkout,
      variables,
      dotenv: { RELEASE_OUTCOME: 'released' },
    });
    expect(run.status).toBe('success');
    expect(run.attempts[0]?.stdout).toContain('nothing to promote: the release ended released');
    expect(await checkout.calls()).toEqual([]);
  });
});

describe('on the simulator', () => {
  let bed: SimulatedCluster;
  let variables: Record<string, string>;

  beforeAll(async () => {
    bed = await startSimulatedCluster({ prometheus: true });
    await checkout.useCli();
    // KUBECONFIG is a File variable: GitLab sets it to the path of a file with the content.
    variables = {
      IMAGE: GOOD_IMAGE,
      KUBECONFIG: bed.sim.kubeconfigPath,
      SWITCHYARD_PROMETHEUS_URL: bed.sim.prometheusUrl as string,
    };
  });

  afterAll(async () => {
    await bed?.stop();
  });

  it('deploys and smoke-tests, the release pauses (allowed failure), manual promote releases', async () => {
    const deploy = await runJob(pipeline, 'deploy', { checkout, variables });
    expect(deploy.status, deploy.attempts[0]?.stderr).toBe('success');
    expect(deploy.attempts[0]?.stdout).toMatch(
      /smoke: passed: \d+ header-routed requests served by reviews-green, no 5xx/,
    );

    const release = await runJob(pipeline, 'release', { checkout, variables });
    expect(release.status, release.attempts[0]?.stderr).toBe('allowed-failure');
    expect(release.attempts[0]?.code).toBe(4);
    expect(release.dotenv).toEqual({ RELEASE_OUTCOME: 'paused' });
    expect(await bed.weights()).toEqual({ blue: 50, green: 50 });

    const promote = await runJob(pipeline, 'promote', {
      checkout,
      variables,
      dotenv: release.dotenv,
    });
    expect(promote.status, promote.attempts[0]?.stderr).toBe('success');
    expect(await bed.weights()).toEqual({ blue: 0, green: 100 });
  });

  it('a candidate failing its smoke test loses its header route and the job fails', async () => {
    const weights = await bed.weights();
    const deploy = await runJob(pipeline, 'deploy', {
      checkout,
      variables: { ...variables, IMAGE: BAD_IMAGE },
    });
    expect(deploy.status).toBe('failed');
    expect(deploy.attempts).toHaveLength(1);
    expect(deploy.attempts[0]?.stderr).toMatch(
      /smoke: FAILED: the candidate answered \d+ of \d+ header-routed requests with 500/,
    );
    expect(deploy.attempts[0]?.stdout).toContain('removing the pre-release route');
    // Users never moved; the pre-release route to the bad candidate is gone again.
    expect(await bed.weights()).toEqual(weights);
    expect(await bed.routeNames()).not.toContain('switchyard-reviews-prerelease');
  });
});
