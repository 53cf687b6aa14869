import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseReleaseSpec } from './parse-release-spec.js';
import { resolveReleaseSpec } from './resolve-release-spec.js';

const example = (name: string): Promise<string> =>
  readFile(fileURLToPath(new URL(`../../../../examples/${name}`, import.meta.url)), 'utf8');

describe('documented example specs', () => {
  it('release-canary.yaml parses and resolves to its explicit steps', async () => {
    const parsed = parseReleaseSpec(await example('release-canary.yaml'));
    expect(parsed.errors).toEqual([]);
    const resolved = resolveReleaseSpec(parsed.value, {}, { defaultNamespace: 'default' });
    expect(resolved.namespace).toBe('bookinfo');
    expect(resolved.strategy.steps).toEqual([
      { weight: 5 },
      { bakeMs: 120_000 },
      { weight: 25 },
      { bakeMs: 120_000 },
      { pause: true },
      { weight: 50 },
      { bakeMs: 120_000 },
      { weight: 100 },
      { bakeMs: 300_000 },
    ]);
    expect(resolved.deploy.preRelease).toEqual({
      headers: { 'x-release': { exact: 'candidate' } },
    });
    expect(resolved.checks.items.map((check) => check.name)).toEqual([
      'success-rate',
      'latency-p99',
      'success-rate-vs-stable',
      'upstream-resets',
    ]);
    expect(resolved.target.routes).toEqual(['primary']);
  });

  it('release-bluegreen.yaml parses and resolves to the mirrored blue/green preset', async () => {
    const parsed = parseReleaseSpec(await example('release-bluegreen.yaml'));
    expect(parsed.errors).toEqual([]);
    const resolved = resolveReleaseSpec(parsed.value, {}, { defaultNamespace: 'default' });
    expect(resolved.strategy).toEqual({
      type: 'bluegreen',
      steps: [{ mirror: 20 }, { bakeMs: 300_000 }, { weight: 100 }, { bakeMs: 300_000 }],
      scaleDownOld: true,
    });
    expect(resolved.prometheus.auth).toEqual({
      type: 'basic',
      username: 'switchyard',
      password: { env: 'PROMETHEUS_PASSWORD' },
    });
    expect(resolved.sync.istiod.token).toEqual({
      file: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    });
  });
});
