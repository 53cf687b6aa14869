import { SpecError } from '@switchyard/core/errors';
import { resolveReleaseSpec } from '@switchyard/core/internal-testing';
import { describe, expect, it } from 'vitest';
import { specOverridesOf } from './spec-overrides.js';

describe('specOverridesOf', () => {
  it('maps every flag to its spec field and leaves flags not given absent', () => {
    expect(specOverridesOf({})).toEqual({});
    expect(
      specOverridesOf({
        service: 'reviews',
        namespace: 'bookinfo',
        container: 'app',
        header: ['x-release=candidate'],
        headerPrefix: ['x-user=qa-'],
        headerRegex: ['x-build=^v[0-9]+$'],
        rolloutTimeout: '2m',
        strategy: 'bluegreen',
        bake: '30s',
        mirror: '20',
        scaleDownOld: true,
        onResume: 'rollback',
        check: ['success-rate>=99.5', 'latency-p99<=300ms', 'success-rate-vs-stable<=1'],
        checkInterval: '5s',
        window: '30s',
        scrapeInterval: '5s',
        failureLimit: '3',
        inconclusiveLimit: '4',
        minRequests: '50',
        prometheusUrl: 'http://prometheus:9090',
        syncTimeout: '3m',
        verifyDataplane: '2',
        syncNamespace: ['bookinfo'],
        syncSelector: 'app=productpage',
      }),
    ).toEqual({
      service: 'reviews',
      namespace: 'bookinfo',
      target: { container: 'app' },
      deploy: {
        preRelease: {
          headers: [
            { name: 'x-release', exact: 'candidate' },
            { name: 'x-user', prefix: 'qa-' },
            { name: 'x-build', regex: '^v[0-9]+$' },
          ],
        },
        rolloutTimeout: '2m',
      },
      strategy: { type: 'bluegreen', bake: '30s', mirror: 20, scaleDownOld: true },
      onResume: 'rollback',
      checks: {
        items: [
          { type: 'success-rate', min: 99.5 },
          { type: 'latency-p99', max: 300 },
          { type: 'success-rate-vs-stable', maxDegradation: 1 },
        ],
        interval: '5s',
        window: '30s',
        scrapeInterval: '5s',
        failureLimit: 3,
        inconclusiveLimit: 4,
        minRequests: 50,
      },
      prometheus: { url: 'http://prometheus:9090' },
      sync: {
        timeout: '3m',
        verifyDataplane: 2,
        scope: { namespaces: ['bookinfo'], selector: 'app=productpage' },
      },
    });
  });

  it('turns --steps with --bake into weight steps each followed by a bake, and no preset bake', () => {
    expect(specOverridesOf({ steps: '10,pause,100', bake: '1m' }).strategy).toEqual({
      steps: [{ weight: 10 }, { bake: '1m' }, { pause: true }, { weight: 100 }, { bake: '1m' }],
    });
    expect(specOverridesOf({ steps: '25%,100' }).strategy).toEqual({
      steps: [{ weight: 25 }, { weight: 100 }],
    });
  });

  it('turns each --notify URL (several in one SWITCHYARD_NOTIFY value) into a webhook', () => {
    expect(
      specOverridesOf({
        notify: ['https://hooks.example.com/a', ' http://127.0.0.1:8080/b\n\thttp://x.test/c '],
      }).notify,
    ).toEqual([
      { url: 'https://hooks.example.com/a' },
      { url: 'http://127.0.0.1:8080/b' },
      { url: 'http://x.test/c' },
    ]);
    expect(specOverridesOf({ notify: ['  '] }).notify).toBeUndefined();
  });

  it('leaves value validation to the spec, which names the field', () => {
    const overrides = specOverridesOf({ service: 'reviews', steps: '10,150' });
    expect(() => resolveReleaseSpec(undefined, overrides, { defaultNamespace: 'default' })).toThrow(
      SpecError,
    );
    try {
      resolveReleaseSpec(undefined, overrides, { defaultNamespace: 'default' });
    } catch (error) {
      expect((error as SpecError).issues).toContainEqual({
        path: 'strategy.steps[1].weight',
        message: 'must be 1..100',
      });
    }
  });

  it('produces specs the library accepts for the documented examples', () => {
    const spec = resolveReleaseSpec(
      undefined,
      specOverridesOf({
        service: 'reviews',
        header: ['x-release=candidate'],
        steps: '10,50,100',
        bake: '1m',
        check: ['success-rate>=99', 'latency-p99<=500'],
        prometheusService: 'istio-system/prometheus:9090',
      }),
      { defaultNamespace: 'bookinfo' },
    );
    expect(spec.strategy.steps).toEqual([
      { weight: 10 },
      { bakeMs: 60_000 },
      { weight: 50 },
      { bakeMs: 60_000 },
      { weight: 100 },
      { bakeMs: 60_000 },
    ]);
    expect(spec.checks.items.map((c) => [c.name, c.min, c.max])).toEqual([
      ['success-rate', 99, undefined],
      ['latency-p99', undefined, 500],
    ]);
  });

  it.each([
    [{ header: ['x-release'] }, '--header "x-release": expected NAME=VALUE'],
    [{ headerRegex: ['=abc'] }, '--header-regex "=abc": expected NAME=VALUE'],
    [{ check: ['success-rate>99'] }, '--check "success-rate>99"'],
    [{ check: ['latency-p99<=fast'] }, 'the threshold "fast" is not a number'],
    [{ steps: '10,,100' }, '(empty entry)'],
    [{ steps: '10,later' }, '"later" is neither a weight'],
    [{ mirror: 'lots' }, '--mirror "lots": expected a number'],
    [{ verifyDataplane: '' }, '--verify-dataplane "": expected a number'],
  ])('refuses flag syntax %j as a usage error', (flags, message) => {
    expect(() => specOverridesOf(flags)).toThrow(
      expect.objectContaining({
        code: 'SWITCHYARD_INVALID_USAGE',
        message: expect.stringContaining(message) as string,
      }),
    );
  });
});
