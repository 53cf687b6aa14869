import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, FakePrometheus, matrix, vector } from './__fixtures__/fake-prometheus.js';
import { counterRangeQuery } from './counter-reads.js';
import type { CounterQuery } from './metrics-provider.js';
import { PrometheusChecks } from './prometheus-checks.js';
import { PrometheusClient } from './prometheus-client.js';
import { UrlPrometheusTransport } from './prometheus-transport.js';

const GREEN =
  'reporter="source",destination_workload_namespace="bookinfo",destination_workload="reviews-green"';
const BLUE =
  'reporter="source",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"';
const query: CounterQuery = {
  metric: 'istio_requests_total',
  selectors: { canary: GREEN, stable: BLUE },
  rangeMs: 60_000,
};

let prometheus: FakePrometheus;
let checks: PrometheusChecks;

beforeEach(async () => {
  prometheus = new FakePrometheus();
  const baseUrl = await prometheus.start();
  checks = new PrometheusChecks({
    prometheus: new PrometheusClient({
      transport: new UrlPrometheusTransport(baseUrl),
      auth: { type: 'none' },
      timeoutMs: 2_000,
      retries: 0,
    }),
  });
});

afterEach(async () => {
  await prometheus.stop();
});

describe('raw counter reads', () => {
  it('is a range selector over the window, never rate() or increase()', () => {
    expect(counterRangeQuery('istio_requests_total', GREEN, 90_000)).toBe(
      `istio_requests_total{${GREEN}}[1m30s]`,
    );
    expect(() => counterRangeQuery('istio_requests_total', 'x"} or vector(1) #', 1000)).toThrow(
      /not a list of label matchers/,
    );
  });

  it("reads every raw sample of both slots' series, each tagged with its slot", async () => {
    prometheus.respond = (text) =>
      text.includes('reviews-green')
        ? matrix({
            metric: { __name__: 'istio_requests_total', response_code: '503', pod: 'g' },
            values: [
              [1_700_000_000.5, 3],
              [1_700_000_015.5, 7],
            ],
          })
        : matrix(
            { metric: { response_code: '200', pod: 'b1' }, values: [[1_700_000_004, 100]] },
            { metric: { response_code: '200', pod: 'b2' }, values: [] },
          );
    const read = await checks.readCounters(query);
    expect(prometheus.requests.map((r) => r.params.get('query'))).toEqual([
      `istio_requests_total{${GREEN}}[1m]`,
      `istio_requests_total{${BLUE}}[1m]`,
    ]);
    expect(read).toEqual({
      ok: true,
      series: [
        {
          slot: 'canary',
          labels: { __name__: 'istio_requests_total', response_code: '503', pod: 'g' },
          samples: [
            { timestampMs: 1_700_000_000_500, value: 3 },
            { timestampMs: 1_700_000_015_500, value: 7 },
          ],
        },
        {
          slot: 'stable',
          labels: { response_code: '200', pod: 'b1' },
          samples: [{ timestampMs: 1_700_000_004_000, value: 100 }],
        },
        { slot: 'stable', labels: { response_code: '200', pod: 'b2' }, samples: [] },
      ],
    });
  });

  it('says why when Prometheus refuses, or answers something that is not raw samples', async () => {
    prometheus.respond = () =>
      apiError(422, 'execution', 'query processing would load too many samples');
    expect(await checks.readCounters(query)).toEqual({
      ok: false,
      query: `istio_requests_total{${GREEN}}[1m]`,
      reason: 'Prometheus answered 422 execution: query processing would load too many samples',
    });
    prometheus.respond = () => vector({ value: 1 });
    expect(await checks.readCounters(query)).toMatchObject({
      ok: false,
      reason: 'expected the raw samples of a range selector (a matrix), got a vector',
    });
  });
});
