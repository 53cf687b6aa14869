import { describe, expect, it } from 'vitest';
import { applyBuiltinDefaults } from '../api/builtin-defaults.js';
import { builtinResourceTypes } from '../store/resource-types.js';
import { effectiveDeploymentSpec } from './deployment-defaults.js';

const DEPLOYMENTS = builtinResourceTypes().find((t) => t.plural === 'deployments')!;

/** A copy of a Deployment as the API server stores it: with its defaults. */
function defaultDeployment<T extends object>(deployment: T): T {
  const copy = structuredClone(deployment);
  applyBuiltinDefaults(DEPLOYMENTS, copy as Record<string, unknown>);
  return copy;
}

const written = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec: {
    selector: { matchLabels: { app: 'reviews' } },
    template: {
      metadata: { labels: { app: 'reviews' } },
      spec: {
        containers: [
          {
            name: 'reviews',
            image: 'reviews:1.20.1',
            ports: [{ containerPort: 9080 }],
            readinessProbe: { httpGet: { port: 9080 } },
          },
          { name: 'latest', image: 'busybox' },
        ],
      },
    },
  },
};

describe('Deployment defaults', () => {
  it('fills the fields the API server defaults, and only those', () => {
    const defaulted = defaultDeployment(written);
    expect(defaulted.spec).toMatchObject({
      replicas: 1,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        spec: {
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    });
    const [reviews, latest] = (defaulted.spec.template.spec as { containers: unknown[] })
      .containers as Record<string, unknown>[];
    expect(reviews).toEqual({
      name: 'reviews',
      image: 'reviews:1.20.1',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 9080, protocol: 'TCP' }],
      readinessProbe: {
        httpGet: { port: 9080, path: '/', scheme: 'HTTP' },
        timeoutSeconds: 1,
        periodSeconds: 10,
        successThreshold: 1,
        failureThreshold: 3,
      },
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
    expect(latest?.imagePullPolicy).toBe('Always');
    expect(defaulted.spec).not.toHaveProperty('minReadySeconds');
    expect(defaulted.spec).not.toHaveProperty('paused');
    // The input is untouched and defaulting twice changes nothing.
    expect(written.spec).not.toHaveProperty('replicas');
    expect(defaultDeployment(defaulted)).toEqual(defaulted);
  });

  it('keeps what the client set and gives Recreate no rolling parameters', () => {
    const recreate = defaultDeployment({
      ...written,
      spec: {
        ...written.spec,
        replicas: 0,
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 2,
      },
    });
    expect(recreate.spec.replicas).toBe(0);
    expect(recreate.spec.strategy).toEqual({ type: 'Recreate' });
    expect(recreate.spec.revisionHistoryLimit).toBe(2);
  });

  it('reads a Deployment written without defaults as if it had them', () => {
    const effective = effectiveDeploymentSpec(written.spec);
    expect(effective).toMatchObject({
      replicas: 1,
      strategyType: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      minReadySeconds: 0,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      paused: false,
    });
    expect(effective.template).toEqual(defaultDeployment(written).spec.template);
  });
});
