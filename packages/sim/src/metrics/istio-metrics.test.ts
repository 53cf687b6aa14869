import { describe, expect, it } from 'vitest';
import {
  ISTIO_REQUEST_LABEL_NAMES,
  sourceReporterLabels,
  type IstioRequestLabels,
} from './istio-request-labels.js';
import { ISTIO_DURATION_BUCKETS_MS, IstioMetrics } from './istio-metrics.js';
import { workloadMetadataOfPod } from './workload-metadata.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A small parser of Prometheus text format 0.0.4, strict enough to catch format errors. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparseable line: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[3] ?? '';
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
    let consumed = 0;
    for (const m of body.matchAll(labelPattern)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed += m[0].length;
    }
    expect(consumed).toBe(body.length);
    samples.push({ name: match[1]!, labels, value: Number(match[4]) });
  }
  return { samples, types };
}

const productpage = workloadMetadataOfPod({
  metadata: {
    name: 'productpage-7d9c8-abcde',
    namespace: 'bookinfo',
    uid: 'u1',
    resourceVersion: '1',
    creationTimestamp: '2026-01-01T00:00:00Z',
    labels: { app: 'productpage', version: 'v1', 'pod-template-hash': '7d9c8' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'productpage-7d9c8',
        uid: 'r',
        controller: true,
      },
    ],
  },
});

function labels(overrides: Partial<IstioRequestLabels> = {}): IstioRequestLabels {
  return {
    ...sourceReporterLabels({
      source: productpage,
      service: { kind: 'cluster', host: 'reviews.bookinfo.svc.cluster.local' },
      peer: undefined,
      mutualTls: false,
      responseCode: 503,
      responseFlags: 'UH',
    }),
    ...overrides,
  };
}

describe('IstioMetrics', () => {
  it('aggregates requests per label set and renders both families with HELP and TYPE', () => {
    const metrics = new IstioMetrics();
    metrics.recordRequest(labels(), 0);
    metrics.recordRequest(labels(), 0);
    metrics.recordRequest(labels({ response_code: '200', response_flags: '-' }), 12);
    expect(metrics.seriesCount).toBe(2);

    const text = metrics.exposition();
    expect(text).toContain('# HELP istio_requests_total ');
    expect(text).toContain('# HELP istio_request_duration_milliseconds ');
    const { samples, types } = parseExposition(text);
    expect(types.get('istio_requests_total')).toBe('counter');
    expect(types.get('istio_request_duration_milliseconds')).toBe('histogram');

    const totals = samples.filter((s) => s.name === 'istio_requests_total');
    expect(totals.map((s) => [s.labels.response_code, s.value]).sort()).toEqual([
      ['200', 1],
      ['503', 2],
    ]);
    for (const sample of totals) {
      expect(Object.keys(sample.labels)).toEqual([...ISTIO_REQUEST_LABEL_NAMES]);
    }
  });

  it('renders cumulative buckets with the default Istio bounds, +Inf equal to count', () => {
    const metrics = new IstioMetrics();
    const durations = [0, 0.9, 3, 7, 20, 20, 99, 400, 2000, 45_000, 4_000_000];
    for (const d of durations) metrics.recordRequest(labels({ response_code: '200' }), d);
    const { samples } = parseExposition(metrics.exposition());
    const buckets = samples.filter((s) => s.name === 'istio_request_duration_milliseconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([
      ...ISTIO_DURATION_BUCKETS_MS.map(String),
      '+Inf',
    ]);
    const counts = buckets.map((b) => b.value);
    for (let i = 1; i < counts.length; i++)
      expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    // Durations are whole milliseconds, as Envoy records them: 0.9 ms counts as 0.
    const byLe = new Map(buckets.map((b) => [b.labels.le, b.value]));
    expect(byLe.get('0.5')).toBe(2);
    expect(byLe.get('5')).toBe(3);
    expect(byLe.get('25')).toBe(6);
    expect(byLe.get('100')).toBe(7);
    expect(byLe.get('3600000')).toBe(10);
    expect(byLe.get('+Inf')).toBe(11);
    const count = samples.find((s) => s.name === 'istio_request_duration_milliseconds_count');
    const sum = samples.find((s) => s.name === 'istio_request_duration_milliseconds_sum');
    expect(count?.value).toBe(11);
    expect(sum?.value).toBe(0 + 0 + 3 + 7 + 20 + 20 + 99 + 400 + 2000 + 45_000 + 4_000_000);
  });

  it('escapes label values', () => {
    const metrics = new IstioMetrics();
    metrics.recordRequest(labels({ destination_service: 'we"ird\\host\nname' }), 1);
    const { samples } = parseExposition(metrics.exposition());
    expect(samples[0]!.labels.destination_service).toBe('we"ird\\host\nname');
  });

  it('renders only the headers when nothing was recorded', () => {
    const { samples, types } = parseExposition(new IstioMetrics().exposition());
    expect(samples).toEqual([]);
    expect(types.size).toBe(2);
  });

  it('exposes series for readers', () => {
    const metrics = new IstioMetrics();
    metrics.recordRequest(labels(), 30);
    const [series] = metrics.series();
    expect(series).toMatchObject({ requests: 1, durationSumMs: 30 });
    expect(series!.cumulativeBuckets.at(-1)).toBe(1);
    expect(series!.cumulativeBuckets[ISTIO_DURATION_BUCKETS_MS.indexOf(25)]).toBe(0);
    expect(series!.cumulativeBuckets[ISTIO_DURATION_BUCKETS_MS.indexOf(50)]).toBe(1);
  });
});
