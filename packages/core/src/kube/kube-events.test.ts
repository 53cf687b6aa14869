import { describe, expect, test } from 'vitest';
import { buildEvent, MAX_EVENT_MESSAGE } from './kube-events.js';

const virtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'bookinfo', uid: 'uid-1', resourceVersion: '42' },
};

describe('buildEvent', () => {
  test('builds a core/v1 Event about the VirtualService', () => {
    const event = buildEvent(
      {
        involvedObject: virtualService,
        type: 'Normal',
        reason: 'StepApplied',
        message: 'green at 20%',
      },
      { time: new Date('2026-11-02T10:00:00.123Z'), instance: 'ci-42', random: () => 0 },
    );
    expect(event).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `reviews.${(1793613600123n * 1_000_000n).toString(16)}`,
        namespace: 'bookinfo',
      },
      involvedObject: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        namespace: 'bookinfo',
        name: 'reviews',
        uid: 'uid-1',
        resourceVersion: '42',
      },
      reason: 'StepApplied',
      message: 'green at 20%',
      type: 'Normal',
      source: { component: 'switchyard' },
      firstTimestamp: '2026-11-02T10:00:00Z',
      lastTimestamp: '2026-11-02T10:00:00Z',
      count: 1,
      reportingComponent: 'switchyard',
      reportingInstance: 'ci-42',
    });
  });

  test('two Events in the same millisecond get different names', () => {
    const time = new Date();
    let n = 0;
    const random = () => (n++ === 0 ? 0.1 : 0.2);
    const record = {
      involvedObject: virtualService,
      type: 'Warning' as const,
      reason: 'RolledBack',
      message: 'x',
    };
    expect(buildEvent(record, { time, random }).metadata.name).not.toBe(
      buildEvent(record, { time, random }).metadata.name,
    );
  });

  test('shortens long messages', () => {
    const event = buildEvent({
      involvedObject: virtualService,
      type: 'Warning',
      reason: 'ChecksFailed',
      message: 'e'.repeat(5000),
    });
    expect(event.message?.length).toBe(MAX_EVENT_MESSAGE);
  });
});
