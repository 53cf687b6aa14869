import { describe, expect, test } from 'vitest';
import { rolloutStatus } from './deployment-rollout.js';
import type { Deployment } from './kube-types.js';

function deployment(generation: number, status: Deployment['status'], replicas = 3): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reviews-green', namespace: 'bookinfo', generation },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'reviews' } },
      template: { spec: { containers: [{ name: 'reviews' }] } },
    },
    status,
  };
}

describe('rolloutStatus', () => {
  test('complete when the latest generation is observed and every pod is updated and available', () => {
    const status = rolloutStatus(
      deployment(2, {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
      }),
    );
    expect(status.state).toBe('complete');
    expect(status.summary).toBe('3/3 updated, 3/3 available');
  });

  test('progressing while the controller has not observed the new generation', () => {
    const status = rolloutStatus(
      deployment(3, {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
      }),
    );
    expect(status.state).toBe('progressing');
  });

  test('progressing while old pods remain', () => {
    const status = rolloutStatus(
      deployment(2, {
        observedGeneration: 2,
        replicas: 4,
        updatedReplicas: 3,
        readyReplicas: 4,
        availableReplicas: 4,
      }),
    );
    expect(status).toMatchObject({
      state: 'progressing',
      summary: '3/3 updated, 4/3 available, 1 old pods left',
    });
  });

  test('failed on ProgressDeadlineExceeded', () => {
    const status = rolloutStatus(
      deployment(2, {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "reviews-green-5b7" has timed out progressing.',
          },
        ],
      }),
    );
    expect(status).toMatchObject({ state: 'failed', reason: 'ProgressDeadlineExceeded' });
    expect(status.summary).toContain('timed out progressing');
  });

  test('a Deployment scaled to zero is complete once observed', () => {
    expect(rolloutStatus(deployment(1, { observedGeneration: 1 }, 0)).state).toBe('complete');
  });
});
