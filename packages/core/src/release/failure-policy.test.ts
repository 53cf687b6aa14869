/** What each failure means: every error class, where it happens, its verdict and exit code. */
import { describe, expect, it } from 'vitest';
import {
  ChecksFailedError,
  ConcurrentEditError,
  ConfigRejectedError,
  DataplaneMismatchError,
  IstiodUnavailableError,
  KubeApiError,
  LockLostError,
  NoReadyPodsError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  RolloutFailedError,
  RolloutTimeoutError,
  RouteNotAcceptedError,
  SyncTimeoutError,
  type UnsyncedProxy,
} from '../errors.js';
import { judgeFailure, type FailureSituation } from './failure-policy.js';

const live = new AbortController().signal;
const stuck: UnsyncedProxy[] = [
  { proxy: 'productpage-1.bookinfo', istiod: 'istiod-a', state: 'STALE', waitingMs: 30_000 },
];
const lease = { kind: 'Lease', namespace: 'bookinfo', name: 'switchyard-reviews' };
const deployment = { kind: 'Deployment', namespace: 'bookinfo', name: 'reviews-green' };
const syncTimeout = () =>
  new SyncTimeoutError({ unsynced: stuck, synced: 5, total: 6, timeoutMs: 30_000 });
const rejected = () =>
  new ConfigRejectedError({
    rejected: [{ ...stuck[0]!, state: 'ERROR', lastError: 'route: bad regex' }],
    unsynced: stuck,
    synced: 5,
    total: 6,
  });
const concurrentEdit = () =>
  new ConcurrentEditError('VirtualService bookinfo/reviews: the managed weights were changed', {
    statusCode: 409,
    reason: 'Conflict',
    verb: 'patch',
  });
const notAccepted = () =>
  new RouteNotAcceptedError({
    object: { kind: 'HTTPRoute', namespace: 'bookinfo', name: 'reviews' },
    generation: 4,
    parents: [
      {
        parent: 'Service bookinfo/reviews:9080',
        condition: 'ResolvedRefs',
        reason: 'BackendNotFound',
        message: 'backend(reviews-green.bookinfo.svc.cluster.local) not found',
      },
    ],
    timedOut: false,
  });
const release: FailureSituation = { during: 'release' };
const confirming: FailureSituation = {
  during: 'release',
  unconfirmed: 'weights blue 50 / green 50',
};

describe('judgeFailure during a release', () => {
  it.each([
    {
      error: syncTimeout(),
      situation: confirming,
      reason: 'sync-timeout',
      message: 'proxies did not ack weights blue 50 / green 50 within 30s',
      exitCode: 5,
    },
    {
      error: syncTimeout(),
      situation: release,
      reason: 'sync-timeout',
      message: 'proxy sync timed out after 30.0s: 5/6 proxies synced; not synced:',
      exitCode: 5,
    },
    {
      error: rejected(),
      situation: confirming,
      reason: 'config-rejected',
      message:
        'proxy productpage-1.bookinfo (istiod istiod-a) rejected the new routes: route: bad regex; 5/6 proxies synced; rejected by:',
      exitCode: 5,
    },
    {
      error: notAccepted(),
      situation: confirming,
      reason: 'route-not-accepted',
      message:
        'istiod refused HTTPRoute bookinfo/reviews (generation 4) for Service bookinfo/reviews:9080: ResolvedRefs BackendNotFound: backend(reviews-green.bookinfo.svc.cluster.local) not found',
      exitCode: 5,
    },
    {
      error: new DataplaneMismatchError('productpage-1.bookinfo', { a: 1 }, { a: 2 }, 'differs'),
      situation: confirming,
      reason: 'dataplane-mismatch',
      message: 'proxy productpage-1.bookinfo: differs\n  expected: {"a":1}\n  actual:   {"a":2}',
      exitCode: 5,
    },
    {
      error: new ChecksFailedError(
        [{ name: 'success-rate', outcome: 'fail', value: 80 }],
        'checks failed 2 times in a row (failure limit 2)',
        {
          firstFailureAt: 1_000,
        },
      ),
      situation: release,
      reason: 'checks-failed',
      message: 'checks failed 2 times in a row (failure limit 2)',
      exitCode: 3,
    },
    {
      error: new NoReadyPodsError(
        deployment,
        'green',
        'has no ready pods; refusing to send it 20% of the traffic',
      ),
      situation: release,
      reason: 'step-error',
      message:
        'Deployment bookinfo/reviews-green (slot green): has no ready pods; refusing to send it 20% of the traffic',
      exitCode: 1,
    },
    {
      error: new IstiodUnavailableError('istio-system', 'app=istiod', 'no istiod answered'),
      situation: confirming,
      reason: 'step-error',
      message: 'step failed: no istiod answered',
      exitCode: 1,
    },
    {
      error: new KubeApiError('Internal error', {
        statusCode: 500,
        reason: 'InternalError',
        verb: 'patch',
      }),
      situation: release,
      reason: 'step-error',
      message: 'step failed: Internal error',
      exitCode: 1,
    },
  ])(
    '$error.name rolls back for $reason, exit $exitCode',
    ({ error, situation, reason, message, exitCode }) => {
      const verdict = judgeFailure(error, situation, live);
      expect(verdict).toMatchObject({ action: 'roll-back', exitCode, rollback: { reason } });
      if (verdict.action !== 'roll-back') return;
      expect(verdict.rollback.message).toBe(message);
    },
  );

  it('keeps what a rollback reports: stale proxies, check evidence, when the streak began, the cause', () => {
    const timeout = syncTimeout();
    expect(judgeFailure(timeout, confirming, live)).toMatchObject({
      rollback: { stale: stuck, cause: timeout },
    });
    const checks = new ChecksFailedError(
      [{ name: 'latency-p99', outcome: 'fail', value: 900 }],
      'x',
      {
        firstFailureAt: 42,
      },
    );
    const verdict = judgeFailure(checks, release, live);
    expect(verdict).toMatchObject({
      rollback: { evidence: checks.evidence, firstFailureAt: 42 },
    });
    // As before the policy existed: a checks rollback carries no cause.
    expect(verdict.action === 'roll-back' ? verdict.rollback.cause : 'none').toBeUndefined();
  });

  it('records a concurrent edit as failed without touching the routes (exit 6)', () => {
    const error = concurrentEdit();
    expect(judgeFailure(error, confirming, live)).toEqual({
      action: 'record-failed',
      message: error.message,
      exitCode: 6,
    });
  });

  it.each([
    [new ReleaseRolledBackError('checks-failed', 'rolled back', {}), 3],
    [new RollbackUnverifiedError('could not verify', 'routes unknown', {}), 7],
    [new LockLostError(lease, 'renewal failed'), 6],
  ])('stops on %s as it is (exit %i)', (error, exitCode) => {
    expect(judgeFailure(error, release, live)).toEqual({ action: 'stop', exitCode });
  });

  it('stops on anything once the operation was aborted: the release stays resumable', () => {
    const aborted = AbortSignal.abort(new Error('SIGTERM'));
    expect(judgeFailure(syncTimeout(), confirming, aborted)).toMatchObject({ action: 'stop' });
  });
});

describe('judgeFailure during a rollback', () => {
  it('records an unverified rollback for a human (exit 7)', () => {
    for (const error of [
      syncTimeout(),
      rejected(),
      notAccepted(),
      concurrentEdit(),
      new Error('boom'),
    ])
      expect(judgeFailure(error, { during: 'rollback' }, live)).toEqual({
        action: 'record-unverified',
        exitCode: 7,
      });
  });

  it('stops on a lost lock, and on its own abort, but not on an abort for another reason', () => {
    const lost = new LockLostError(lease, 'renewal failed');
    expect(judgeFailure(lost, { during: 'rollback' }, live)).toMatchObject({ action: 'stop' });
    const reason = new Error('SIGINT');
    const aborted = AbortSignal.abort(reason);
    expect(judgeFailure(reason, { during: 'rollback' }, aborted)).toMatchObject({ action: 'stop' });
    expect(judgeFailure(syncTimeout(), { during: 'rollback' }, aborted)).toMatchObject({
      action: 'record-unverified',
    });
  });
});

describe('judgeFailure during a deploy', () => {
  it('forgets the candidate when its rollout fails; user traffic never moved (exit 5)', () => {
    for (const error of [
      new RolloutTimeoutError(deployment, 60_000, '1/3 available'),
      new RolloutFailedError(deployment, 'ProgressDeadlineExceeded', 'timed out'),
    ]) {
      expect(judgeFailure(error, { during: 'deploy-rollout' }, live)).toEqual({
        action: 'forget-candidate',
        message: error.message,
        exitCode: 5,
      });
    }
    expect(judgeFailure(concurrentEdit(), { during: 'deploy-rollout' }, live)).toEqual({
      action: 'stop',
      exitCode: 6,
    });
  });

  it('withdraws a header route Envoy or istiod rejected (exit 5), and stops on anything else', () => {
    expect(judgeFailure(rejected(), { during: 'deploy-header-route' }, live)).toEqual({
      action: 'withdraw-header-route',
      message:
        'proxy productpage-1.bookinfo (istiod istiod-a) rejected the new routes: route: bad regex; 5/6 proxies synced; rejected by:',
      rejectedBy: 'Envoy',
      exitCode: 5,
    });
    expect(judgeFailure(notAccepted(), { during: 'deploy-header-route' }, live)).toMatchObject({
      action: 'withdraw-header-route',
      rejectedBy: 'istiod',
      exitCode: 5,
    });
    expect(judgeFailure(syncTimeout(), { during: 'deploy-header-route' }, live)).toEqual({
      action: 'stop',
      exitCode: 5,
    });
  });
});
