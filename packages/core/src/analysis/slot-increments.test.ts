import { describe, expect, it } from 'vitest';
import type { CounterIncrement } from './counter-increments.js';
import { isFailedRequest, slotByWorkload } from './request-outcome.js';
import { requestCounts, slotIncrements, slotTotal } from './slot-increments.js';

const increment = (labels: Record<string, string>, value: number): CounterIncrement => ({
  labels,
  key: JSON.stringify(labels),
  increment: value,
  fromMs: 0,
  toMs: 15_000,
  resets: 0,
});

describe('Istio request outcomes', () => {
  it('fails 5xx and non-OK gRPC statuses, as the built-in success rate does', () => {
    expect(isFailedRequest({ response_code: '503' })).toBe(true);
    expect(isFailedRequest({ response_code: '500', grpc_response_status: '' })).toBe(true);
    expect(isFailedRequest({ response_code: '200', grpc_response_status: '14' })).toBe(true);
    expect(isFailedRequest({ response_code: '200', grpc_response_status: '0' })).toBe(false);
    expect(isFailedRequest({ response_code: '404' })).toBe(false);
    expect(isFailedRequest({ response_code: '200' })).toBe(false);
    expect(isFailedRequest({ response_code: '0', grpc_response_status: '' })).toBe(false);
  });

  it('sums a read per slot, ignoring other workloads, and says which slots were seen', () => {
    const slotOf = slotByWorkload({ canary: 'reviews-green', stable: 'reviews-blue' });
    const increments = [
      increment({ destination_workload: 'reviews-green', response_code: '200' }, 95),
      increment({ destination_workload: 'reviews-green', response_code: '503' }, 5),
      increment({ destination_workload: 'reviews-blue', response_code: '200' }, 896),
      increment(
        { destination_workload: 'reviews-blue', response_code: '200', grpc_response_status: '2' },
        4,
      ),
      increment({ destination_workload: 'ratings-v1', response_code: '500' }, 70),
    ];
    const read = slotIncrements(requestCounts(increments, isFailedRequest), { slotOf });
    expect(read.strata).toEqual([
      {
        key: '',
        canary: { requests: 100, events: 5 },
        stable: { requests: 900, events: 4 },
        observed: { canary: true, stable: true },
        origins: [''],
      },
    ]);
    expect(slotTotal(read, 'canary')).toEqual({ requests: 100, events: 5 });
    const stableOnly = slotIncrements(requestCounts(increments.slice(2), isFailedRequest), {
      slotOf,
    });
    expect(stableOnly.strata[0]?.observed).toEqual({ canary: false, stable: true });
  });

  it('keeps one stratum per origin when asked (source-side metrics)', () => {
    const slotOf = slotByWorkload({ canary: 'c', stable: 's' });
    const increments = [
      increment({ destination_workload: 'c', pod: 'client-1', response_code: '503' }, 2),
      increment({ destination_workload: 's', pod: 'client-1', response_code: '200' }, 20),
      increment({ destination_workload: 's', pod: 'client-2', response_code: '200' }, 30),
    ];
    const read = slotIncrements(requestCounts(increments, isFailedRequest), {
      slotOf,
      stratumOf: (labels) => labels['pod'] ?? '',
    });
    expect(read.strata).toEqual([
      {
        key: 'client-1',
        canary: { requests: 2, events: 2 },
        stable: { requests: 20, events: 0 },
        observed: { canary: true, stable: true },
        origins: ['client-1'],
      },
      {
        key: 'client-2',
        canary: { requests: 0, events: 0 },
        stable: { requests: 30, events: 0 },
        observed: { canary: false, stable: true },
        origins: ['client-2'],
      },
    ]);
  });
});
