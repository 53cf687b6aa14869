import { describe, expect, it } from 'vitest';
import type { Pod } from './kube-shapes.js';
import { sortPodsForDeletion } from './pod-deletion-order.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function pod(
  name: string,
  options: {
    node?: string;
    phase?: string;
    ready?: boolean;
    readySince?: string;
    created?: string;
    cost?: string;
    restarts?: number;
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      resourceVersion: '1',
      creationTimestamp: options.created ?? '2026-01-01T00:00:00Z',
      ...(options.cost
        ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': options.cost } }
        : {}),
    },
    spec: {
      containers: [{ name: 'app' }],
      ...(options.node === '' ? {} : { nodeName: options.node ?? 'sim-node-1' }),
    },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: options.ready === false ? 'False' : 'True',
          lastTransitionTime: options.readySince ?? '2026-01-01T00:00:00Z',
        },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'x',
          imageID: 'x',
          lastState: {},
          ready: options.ready !== false,
          restartCount: options.restarts ?? 0,
          started: true,
          state: {},
        },
      ],
    },
  };
}

const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata.name);

describe('sortPodsForDeletion', () => {
  it('deletes unscheduled, then pending, then not-ready pods before ready ones', () => {
    const pods = [
      pod('ready'),
      pod('not-ready', { ready: false }),
      pod('pending', { phase: 'Pending', ready: false }),
      pod('unscheduled', { node: '', phase: 'Pending', ready: false }),
    ];
    expect(names(sortPodsForDeletion(pods, pods, NOW))).toEqual([
      'unscheduled',
      'pending',
      'not-ready',
      'ready',
    ]);
  });

  it('prefers a lower deletion cost, then the most recently ready, then more restarts, then the newest', () => {
    const cheap = pod('cheap', { cost: '-5' });
    const recentlyReady = pod('recently-ready', { readySince: '2026-01-01T11:59:59Z' });
    const restarted = pod('restarted', { restarts: 3 });
    const newer = pod('newer', { created: '2026-01-01T11:00:00Z' });
    const oldest = pod('oldest');
    const pods = [oldest, newer, restarted, recentlyReady, cheap];
    expect(names(sortPodsForDeletion(pods, pods, NOW))).toEqual([
      'cheap',
      'recently-ready',
      'restarted',
      'newer',
      'oldest',
    ]);
  });

  it('compares ages on a log scale, breaking ties by uid', () => {
    // 10 and 11 minutes old fall into the same power-of-two bucket: the uid decides.
    const a = pod('a', { created: '2026-01-01T11:50:00Z' });
    const b = pod('b', { created: '2026-01-01T11:49:00Z' });
    expect(names(sortPodsForDeletion([b, a], [a, b], NOW))).toEqual(['a', 'b']);
    expect(names(sortPodsForDeletion([a, b], [a, b], NOW))).toEqual(['a', 'b']);
  });
});
