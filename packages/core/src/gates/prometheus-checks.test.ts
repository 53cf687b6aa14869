import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckContext, CheckDefinition } from './metrics-provider.js';
import { BUILTIN_CHECK_TYPES } from '../spec/check-types.js';
import {
  apiError,
  FakePrometheus,
  vector,
  type FakeAnswer,
} from './__fixtures__/fake-prometheus.js';
import { PrometheusChecks } from './prometheus-checks.js';
import { PrometheusClient } from './prometheus-client.js';
import { UrlPrometheusTransport } from './prometheus-transport.js';

const builtin = (type: string) => BUILTIN_CHECK_TYPES.find((b) => b.type === type)!;

const successRate: CheckDefinition = {
  name: 'success-rate',
  type: 'success-rate',
  query: builtin('success-rate').query,
  min: 99,
  max: undefined,
  unit: '%',
  analysis: 'threshold',
  sequential: undefined,
};
const latency: CheckDefinition = {
  name: 'latency-p99',
  type: 'latency-p99',
  query: builtin('latency-p99').query,
  min: undefined,
  max: 500,
  unit: 'ms',
  analysis: 'threshold',
  sequential: undefined,
};
const perPod: CheckDefinition = {
  name: 'pod-errors',
  type: 'custom',
  query: 'sum by (pod) (rate(app_errors_total{app="{{service}}"}[{{window}}]))',
  min: undefined,
  max: 0.5,
  unit: '',
  analysis: 'threshold',
  sequential: undefined,
};

const context: CheckContext = {
  service: 'reviews',
  namespace: 'bookinfo',
  workload: 'reviews-green',
  stableWorkload: 'reviews-blue',
  slot: 'green',
  candidateSelector:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"',
  stableSelector:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
  windowMs: 60_000,
  minRequests: 20,
};

/** The request count: the candidate's requests summed, neither a ratio nor a quantile. */
const isCount = (query: string) =>
  query.startsWith('sum(((istio_requests_total{') && !query.includes(' / ');

let prometheus: FakePrometheus;
let checks: PrometheusChecks;
const at = Date.parse('2026-11-21T12:00:00Z');

beforeEach(async () => {
  prometheus = new FakePrometheus();
  const baseUrl = await prometheus.start();
  checks = new PrometheusChecks({
    prometheus: new PrometheusClient({
      transport: new UrlPrometheusTransport(baseUrl),
      auth: { type: 'none' },
      timeoutMs: 2_000,
      retryDelayMs: 1,
    }),
    clock: { now: () => at, sleep: () => Promise.resolve() },
  });
});

afterEach(async () => {
  await prometheus.stop();
});

/** Answers the request count with `requests` and every check with `answer`. */
function answer(requests: number | 'empty', check: (query: string) => FakeAnswer) {
  prometheus.respond = (query) =>
    isCount(query) ? (requests === 'empty' ? vector() : vector({ value: requests })) : check(query);
}

describe('PrometheusChecks.evaluate', () => {
  it('passes a value within bounds and renders the template with a Prometheus duration', async () => {
    answer(600, (q) =>
      q.includes('histogram_quantile') ? vector({ value: 120 }) : vector({ value: 99.5 }),
    );
    const results = await checks.evaluate([successRate, latency], context);
    expect(results).toEqual([
      {
        name: 'success-rate',
        outcome: 'pass',
        value: 99.5,
        reason: '99.5% >= 99%',
        query: expect.stringContaining('destination_workload="reviews-green"') as string,
        min: 99,
        max: undefined,
        at,
      },
      expect.objectContaining({
        name: 'latency-p99',
        outcome: 'pass',
        value: 120,
        reason: '120ms <= 500ms',
      }),
    ]);
    expect(results[0]!.query).toContain('[1m]');
    expect(results[0]!.query).toContain('destination_workload_namespace="bookinfo"');
    // The request count is asked once per evaluation, whatever the number of checks.
    expect(prometheus.queries().filter(isCount)).toEqual([
      'sum(((istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"}' +
        ' unless last_over_time(istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"}[10m] offset 1m))' +
        ' or increase(istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"}[1m])))',
    ]);
  });

  it('renders sub-minute windows as seconds', async () => {
    answer(600, () => vector({ value: 100 }));
    const [result] = await checks.evaluate([successRate], { ...context, windowMs: 30_000 });
    expect(result!.query).toContain('[30s]');
  });

  it('fails a value out of bounds, naming the threshold', async () => {
    answer(600, (q) =>
      q.includes('histogram_quantile') ? vector({ value: 612.25 }) : vector({ value: 90.1234 }),
    );
    const results = await checks.evaluate([successRate, latency], context);
    expect(results.map((r) => [r.outcome, r.value, r.reason])).toEqual([
      ['fail', 90.1234, '90.123% is below the minimum 99%'],
      ['fail', 612.25, '612.25ms is above the maximum 500ms'],
    ]);
  });

  it('is inconclusive on an empty result, saying why and what to check', async () => {
    answer('empty', () => vector());
    const [result] = await checks.evaluate([successRate], context);
    expect(result!.outcome).toBe('inconclusive');
    expect(result!.value).toBeUndefined();
    expect(result!.reason).toBe(
      'no data: the query returned an empty result (0 requests to it in 1m); ' +
        'is traffic reaching the candidate reviews-green (weights, header route)? ' +
        'does its destination_workload label read "reviews-green" in ' +
        'istio_requests_total{reporter="destination",destination_workload_namespace="bookinfo"} over the last 1m?',
    );
  });

  it('is inconclusive on NaN and on +Inf', async () => {
    answer(0, (q) =>
      q.includes('histogram_quantile') ? vector({ value: '+Inf' }) : vector({ value: 'NaN' }),
    );
    const results = await checks.evaluate([successRate, latency], context);
    expect(results.map((r) => r.outcome)).toEqual(['inconclusive', 'inconclusive']);
    expect(results[0]!.reason).toMatch(
      /^no usable value: the query returned NaN \(no requests in the window make 0\/0\)/,
    );
    expect(results[1]!.reason).toMatch(/returned \+Inf/);
  });

  it('is inconclusive with fewer requests than minRequests, even when the value would fail', async () => {
    answer(7.6, () => vector({ value: 50 }));
    const [result] = await checks.evaluate([successRate], context);
    expect(result).toMatchObject({ outcome: 'inconclusive', value: 50 });
    expect(result!.reason).toMatch(
      /^too little traffic: 8 requests to reviews-green in the last 1m, fewer than minRequests 20; is traffic reaching/,
    );
  });

  it('reports a malformed query as error, quoting Prometheus, and still evaluates the others', async () => {
    const broken: CheckDefinition = { ...perPod, name: 'broken', query: 'sum(rate(x[{{window}}])' };
    answer(600, (q) =>
      q.startsWith('sum(rate(x')
        ? apiError(
            400,
            'bad_data',
            'invalid parameter "query": 1:19: parse error: unclosed left parenthesis',
          )
        : vector({ value: 100 }),
    );
    const results = await checks.evaluate([broken, successRate], context);
    expect(results[0]).toMatchObject({
      name: 'broken',
      outcome: 'error',
      query: 'sum(rate(x[1m])',
      reason:
        'Prometheus answered 400 bad_data: invalid parameter "query": 1:19: parse error: unclosed left parenthesis',
    });
    expect(results[1]!.outcome).toBe('pass');
  });

  it('reports error for every check when Prometheus is down, never throwing', async () => {
    await prometheus.stop();
    const results = await checks.evaluate([successRate, latency], context);
    expect(results.map((r) => r.outcome)).toEqual(['error', 'error']);
    expect(results[0]!.reason).toMatch(
      /^cannot reach Prometheus \(http:\/\/127\.0\.0\.1:\d+\): fetch failed/,
    );
  });

  it('reports error when the requests cannot be counted', async () => {
    prometheus.respond = (q) =>
      isCount(q)
        ? apiError(422, 'execution', 'query processing would load too many samples')
        : vector({ value: 100 });
    const [result] = await checks.evaluate([successRate], context);
    expect(result).toMatchObject({ outcome: 'error' });
    expect(result!.reason).toBe(
      'cannot count the requests to reviews-green: Prometheus answered 422 execution: query processing would load too many samples',
    );
  });

  it('judges several series by the worst one, ignoring series without a value', async () => {
    answer(600, () =>
      vector(
        { value: 0.1, metric: { pod: 'a' } },
        { value: 0.9, metric: { pod: 'b' } },
        { value: 'NaN', metric: { pod: 'c' } },
      ),
    );
    const [failing] = await checks.evaluate([perPod], context);
    expect(failing).toMatchObject({ outcome: 'fail', value: 0.9 });
    expect(failing!.reason).toBe(
      '0.9 is above the maximum 0.5 (worst of 3 series: {pod="b"}; 1 without a value ignored)',
    );
    answer(600, () =>
      vector({ value: 0.1, metric: { pod: 'a' } }, { value: 0.4, metric: { pod: 'b' } }),
    );
    const [passing] = await checks.evaluate([perPod], context);
    expect(passing).toMatchObject({ outcome: 'pass', value: 0.4 });
  });

  it('reports a range vector as an error saying how to fix the query', async () => {
    const range: CheckDefinition = { ...perPod, name: 'range', query: 'up[{{window}}]' };
    answer(600, () => ({
      status: 200,
      body: {
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: {}, values: [[1, '1']] }] },
      },
    }));
    const [result] = await checks.evaluate([range], context);
    expect(result).toMatchObject({ outcome: 'error', query: 'up[1m]' });
    expect(result!.reason).toMatch(/^the query returns a range vector; .* rate\(\.\.\.\)/);
  });

  it('evaluates nothing without checks', async () => {
    expect(await checks.evaluate([], context)).toEqual([]);
    expect(prometheus.requests).toHaveLength(0);
  });
});
