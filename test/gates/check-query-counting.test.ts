/**
 * What the built-in checks read, evaluated by Prometheus' own engine (`promtool test rules`,
 * from the Prometheus installation the other tiers scrape with) over samples written out at
 * fixed scrape times, so every case is exact and repeatable.
 *
 * Istio creates a series at the first request with its label set: a candidate's first failed
 * call creates its failure series, usually a scrape or more after its success series. A
 * per-series `rate()` counts nothing of a series' first value, and nothing at all of a series
 * with one sample in the window, so a failing candidate read healthier than it was (the real
 * test bed's gRPC canary failing 3 calls in 10 read 90.5% where its counters said 76.7%; CI
 * saw 95.33%). The checks count a series first stored inside the window from zero.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_CHECK_TYPES,
  CANDIDATE_REQUEST_COUNT_QUERY,
  renderCheckQuery,
  type CheckQueryVariables,
} from '@switchyard/core/internal-testing';
import { findPrometheusBinary } from '../../packages/sim/src/prometheus/prometheus-process.js';

const run = promisify(execFile);

const CANDIDATE =
  'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-green"';
const variables: CheckQueryVariables = {
  service: 'reviews',
  namespace: 'bookinfo',
  workload: 'reviews-green',
  stableWorkload: 'reviews-blue',
  slot: 'green',
  candidate: CANDIDATE,
  stable:
    'reporter="destination",destination_workload_namespace="bookinfo",destination_workload="reviews-blue"',
  window: '5s',
};

const builtinQuery = (type: string): string =>
  renderCheckQuery(BUILTIN_CHECK_TYPES.find((b) => b.type === type)!.query, variables);

/** A series of the candidate: extra labels, and promtool's sample notation (one per second). */
interface InputSeries {
  readonly labels: string;
  readonly values: string;
}

const requests = (labels: string, values: string): InputSeries => ({
  labels: `istio_requests_total{${CANDIDATE},${labels}}`,
  values,
});

const GRPC_OK = 'request_protocol="grpc",response_code="200",grpc_response_status="0"';
const GRPC_UNKNOWN = 'request_protocol="grpc",response_code="200",grpc_response_status="2"';

let dir: string;
let promtool: string;
let cases = 0;

beforeAll(async () => {
  promtool = join(dirname(findPrometheusBinary()), 'promtool');
  dir = await mkdtemp(join(tmpdir(), 'check-query-counting-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Evaluates `query` at `atSeconds` over `series` and expects `expected` once rounded to
 * `decimals` places (the rounding is PromQL's, so promtool compares exact values).
 */
async function expectValue(
  series: readonly InputSeries[],
  query: string,
  atSeconds: number,
  expected: number,
  decimals = 3,
): Promise<void> {
  const scale = 10 ** decimals;
  const test = {
    rule_files: [],
    evaluation_interval: '1s',
    tests: [
      {
        interval: '1s',
        input_series: series.map((s) => ({ series: s.labels, values: s.values })),
        promql_expr_test: [
          {
            expr: `round((${query}) * ${scale}) / ${scale}`,
            eval_time: `${atSeconds}s`,
            exp_samples: [{ labels: '{}', value: expected }],
          },
        ],
      },
    ],
  };
  const file = join(dir, `case-${++cases}.yaml`);
  // JSON is YAML.
  await writeFile(file, JSON.stringify(test));
  const outcome = await run(promtool, ['test', 'rules', file]).then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (error: { stdout?: string; stderr?: string; message: string }) => ({
      ok: false,
      output: `${error.stdout ?? ''}${error.stderr ?? error.message}`,
    }),
  );
  expect(outcome.ok, outcome.output).toBe(true);
}

describe('the built-in checks count series born inside the window', () => {
  // The real bed's samples right after a 50% step (run of 11:22:46, scrapes moved to whole
  // seconds): release-tester's calls (header route) started at 3 s, its first failure was
  // scraped a second after its first success; productpage's calls reached green at 5 s.
  const afterStep = [
    requests(`source_workload="release-tester",${GRPC_OK}`, '_ _ _ 5 11 18 27'),
    requests(`source_workload="release-tester",${GRPC_UNKNOWN}`, '_ _ _ _ 4 7 8'),
    requests(`source_workload="productpage",${GRPC_OK}`, '_ _ _ _ _ 4 19'),
    requests(`source_workload="productpage",${GRPC_UNKNOWN}`, '_ _ _ _ _ 6 6'),
  ];

  it('success-rate reads what the counters counted right after a step (46 of 60 calls)', async () => {
    // rate() read 90.5 here: it dropped productpage's 6 failures and release-tester's first 4.
    await expectValue(afterStep, builtinQuery('success-rate'), 7, 76.667);
  });

  it('the request count counts every call of the new series (60)', async () => {
    await expectValue(afterStep, renderCheckQuery(CANDIDATE_REQUEST_COUNT_QUERY, variables), 7, 60);
  });

  it('a failure series with a single sample in the window counts (35 OK, 9 failed)', async () => {
    // The candidate served for a while, then started failing: its failure series has one
    // sample, which rate() cannot use at all (it read 100).
    const series = [requests(GRPC_OK, '0+7x15'), requests(GRPC_UNKNOWN, '_x14 9')];
    await expectValue(series, builtinQuery('success-rate'), 15, 79.545);
  });

  it('a failed scrape at the window start does not count a series from zero', async () => {
    // The success series lost its scrape at 10 s (a stale marker); it existed long before,
    // so its lifetime (105) must not count as requests of the window: 35 OK, 15 failed.
    const series = [requests(GRPC_OK, '0+7x9 stale 77+7x4'), requests(GRPC_UNKNOWN, '0+3x15')];
    await expectValue(series, builtinQuery('success-rate'), 15, 70);
  });

  it('latency-p99 counts slow failures whose series is new (10 of 110 calls at 1.5 s)', async () => {
    // Fast successes (10-25 ms) for a long time; then failures taking 1.5 s, one scrape.
    const bucket = (labels: string, le: string, values: string): InputSeries => ({
      labels: `istio_request_duration_milliseconds_bucket{${CANDIDATE},${labels},le="${le}"}`,
      values,
    });
    const bounds = ['10', '25', '1000', '2500', '+Inf'];
    const series = bounds.flatMap((le) => [
      bucket('response_code="200"', le, le === '10' ? '0x15' : '0+20x15'),
      bucket('response_code="504"', le, `_x14 ${Number(le) < 1500 ? 0 : 10}`),
    ]);
    // 99th of 110: the 9th of the 10 in (1000, 2500], interpolated: 1000 + 1500 × 8.9 / 10.
    await expectValue(series, builtinQuery('latency-p99'), 15, 2335, 0);
  });
});
