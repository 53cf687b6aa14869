import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import type { ReleaseStep } from '../release/state-record.js';
import { BUILTIN_CHECK_TYPES } from './check-types.js';
import { parseReleaseSpec, parseReleaseSpecOrThrow } from './parse-release-spec.js';
import type { ReleaseSpec, StepSpec } from './release-spec.js';
import {
  resolveReleaseSpec,
  resolveReleaseSpecYaml,
  safeResolveReleaseSpec,
  safeResolveReleaseSpecYaml,
} from './resolve-release-spec.js';

const options = { defaultNamespace: 'bookinfo' };
const builtinQuery = (type: string): string =>
  BUILTIN_CHECK_TYPES.find((definition) => definition.type === type)?.query ?? '';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

describe('resolveReleaseSpec', () => {
  it('fills every default by convention from just the service name', () => {
    expect(resolveReleaseSpec({ service: 'reviews' }, {}, options)).toEqual({
      service: 'reviews',
      namespace: 'bookinfo',
      target: {
        kind: undefined,
        virtualService: 'reviews',
        httpRoute: 'reviews',
        destinationRule: 'reviews',
        host: 'reviews',
        routes: undefined,
        slotLabel: 'version',
        slots: {
          blue: {
            deployment: 'reviews-blue',
            subset: 'blue',
            labelValue: 'blue',
            service: 'reviews-blue',
          },
          green: {
            deployment: 'reviews-green',
            subset: 'green',
            labelValue: 'green',
            service: 'reviews-green',
          },
        },
        container: undefined,
      },
      deploy: { preRelease: undefined, rolloutTimeoutMs: 300_000, allowIdleSlotTraffic: false },
      strategy: {
        type: 'canary',
        steps: [
          { weight: 10 },
          { bakeMs: 60_000 },
          { weight: 25 },
          { bakeMs: 60_000 },
          { weight: 50 },
          { bakeMs: 60_000 },
          { weight: 100 },
          { bakeMs: 60_000 },
        ],
        scaleDownOld: false,
      },
      checks: {
        intervalMs: 10_000,
        windowMs: 60_000,
        scrapeIntervalMs: 15_000,
        failureLimit: 2,
        inconclusiveLimit: 3,
        minRequests: 20,
        alpha: 0.01,
        beta: 0.05,
        earlyPromotion: false,
        minBakeMs: 60_000,
        bakeEnd: 'proceed',
        reporter: 'source',
        items: [
          {
            name: 'success-rate',
            type: 'success-rate',
            query: builtinQuery('success-rate'),
            min: 99,
            max: undefined,
            unit: '%',
            analysis: 'threshold',
            sequential: undefined,
          },
          {
            name: 'latency-p99',
            type: 'latency-p99',
            query: builtinQuery('latency-p99'),
            min: undefined,
            max: 500,
            unit: 'ms',
            analysis: 'threshold',
            sequential: undefined,
          },
        ],
      },
      sync: {
        timeoutMs: 120_000,
        pollIntervalMs: 500,
        requiredRatio: 1,
        scope: { namespaces: undefined, selector: undefined },
        istiod: {
          namespace: 'istio-system',
          revision: undefined,
          url: undefined,
          token: undefined,
        },
        verifyDataplane: 0,
      },
      prometheus: {
        endpoint: { kind: 'service', namespace: 'istio-system', name: 'prometheus', port: 9090 },
        auth: { type: 'none' },
        headers: {},
        timeoutMs: 10_000,
      },
      rollback: { removeHeaderRoute: true },
      onResume: 'continue',
      lock: { leaseDurationMs: 30_000, holderIdentity: undefined },
      preflight: { skip: [] },
      notify: [],
    });
  });

  it('takes the preflight checks to skip, each once, and refuses unknown ids', () => {
    const spec = resolveReleaseSpec(
      undefined,
      { service: 'reviews', preflight: { skip: ['proxy-sync', 'header-size', 'proxy-sync'] } },
      { defaultNamespace: 'bookinfo' },
    );
    expect(spec.preflight.skip).toEqual(['proxy-sync', 'header-size']);
    const { errors } = safeResolveReleaseSpec(
      undefined,
      { service: 'reviews', preflight: { skip: ['port-protocl' as 'port-protocol'] } },
      { defaultNamespace: 'bookinfo' },
    );
    expect(errors).toEqual([
      {
        path: 'preflight.skip[0]',
        message: expect.stringContaining('got "port-protocl" (did you mean "port-protocol"?)'),
      },
    ]);
  });

  it('works from overrides alone (no file)', () => {
    const resolved = resolveReleaseSpec(
      undefined,
      { service: 'ratings', namespace: 'shop' },
      options,
    );
    expect(resolved.namespace).toBe('shop');
    expect(resolved.target.slots.green.deployment).toBe('ratings-green');
  });

  it('derives slot names from the ones given', () => {
    const resolved = resolveReleaseSpec(
      {
        service: 'reviews',
        target: {
          slotLabel: 'app.kubernetes.io/version',
          slots: { blue: { subset: 'v1' }, green: { deployment: 'reviews-next' } },
        },
      },
      {},
      options,
    );
    expect(resolved.target.slotLabel).toBe('app.kubernetes.io/version');
    expect(resolved.target.slots).toEqual({
      blue: { deployment: 'reviews-blue', subset: 'v1', labelValue: 'v1', service: 'reviews-blue' },
      green: {
        deployment: 'reviews-next',
        subset: 'green',
        labelValue: 'green',
        service: 'reviews-green',
      },
    });
  });

  it('expands the canary preset with its bake', () => {
    const { strategy } = resolveReleaseSpec(
      { service: 'reviews', strategy: { type: 'canary', bake: '2m30s' } },
      {},
      options,
    );
    expect(strategy.steps).toEqual(
      [10, 25, 50, 100].flatMap((weight) => [{ weight }, { bakeMs: 150_000 }]),
    );
  });

  it('expands the bluegreen preset, with and without a mirror phase', () => {
    const plain = resolveReleaseSpec(
      { service: 'reviews', strategy: { type: 'bluegreen' } },
      {},
      options,
    );
    expect(plain.strategy.steps).toEqual([{ weight: 100 }, { bakeMs: 60_000 }]);
    const mirrored = resolveReleaseSpec(
      { service: 'reviews', strategy: { type: 'bluegreen', mirror: 20, bake: '5m' } },
      {},
      options,
    );
    expect(mirrored.strategy).toEqual({
      type: 'bluegreen',
      steps: [{ mirror: 20 }, { bakeMs: 300_000 }, { weight: 100 }, { bakeMs: 300_000 }],
      scaleDownOld: false,
    });
  });

  it('takes explicit steps as written', () => {
    const steps: StepSpec[] = [
      { mirror: 5 },
      { bake: '1m' },
      { weight: 30 },
      { pause: true },
      { weight: 100 },
    ];
    const { strategy } = resolveReleaseSpec(
      { service: 'reviews', strategy: { steps } },
      {},
      options,
    );
    expect(strategy.type).toBe('custom');
    expect(strategy.steps).toEqual([
      { mirror: 5 },
      { bakeMs: 60_000 },
      { weight: 30 },
      { pause: true },
      { weight: 100 },
    ]);
  });

  it('lets overrides win over the file, field by field', () => {
    const file = parseReleaseSpecOrThrow(
      [
        'apiVersion: switchyard.dev/v1alpha1',
        'kind: ReleaseSpec',
        'service: reviews',
        'namespace: bookinfo',
        'strategy: { type: bluegreen, mirror: 10, bake: 2m }',
        'checks: { interval: 15s, failureLimit: 4, items: [{ type: success-rate, min: 95 }] }',
        'prometheus: { service: monitoring/prom:9090, timeout: 5s }',
        'sync: { istiod: { url: "http://istiod:15014", tokenFile: /t } }',
        '',
      ].join('\n'),
    );
    const resolved = resolveReleaseSpec(
      file,
      {
        namespace: 'staging',
        strategy: { steps: [{ weight: 50 }, { bake: '30s' }, { weight: 100 }] },
        checks: { failureLimit: 1 },
        prometheus: { url: 'http://prometheus:9090/' },
        sync: { istiod: { tokenEnv: 'ISTIOD_TOKEN' } },
      },
      { ...options, file: 'release.yaml' },
    );
    expect(resolved.namespace).toBe('staging');
    // Steps from a flag replace the preset, with its mirror and bake.
    expect(resolved.strategy.type).toBe('custom');
    expect(resolved.strategy.steps).toEqual([{ weight: 50 }, { bakeMs: 30_000 }, { weight: 100 }]);
    // Fields the overrides leave alone keep the file's values.
    expect(resolved.checks.intervalMs).toBe(15_000);
    expect(resolved.checks.failureLimit).toBe(1);
    expect(resolved.checks.items.map((check) => [check.name, check.min])).toEqual([
      ['success-rate', 95],
    ]);
    // Choosing url replaces the file's service instead of colliding with it.
    expect(resolved.prometheus.endpoint).toEqual({ kind: 'url', url: 'http://prometheus:9090' });
    expect(resolved.prometheus.timeoutMs).toBe(5_000);
    expect(resolved.sync.istiod.token).toEqual({ env: 'ISTIOD_TOKEN' });
  });

  it('lets a preset chosen by an override replace the file’s steps', () => {
    const file: ReleaseSpec = { service: 'reviews', strategy: { steps: [{ weight: 100 }] } };
    const resolved = resolveReleaseSpec(file, { strategy: { type: 'bluegreen' } }, options);
    expect(resolved.strategy.steps).toEqual([{ weight: 100 }, { bakeMs: 60_000 }]);
  });

  it('leaves its inputs untouched', () => {
    const file: ReleaseSpec = {
      service: 'reviews',
      prometheus: { service: 'monitoring/prom:9090' },
    };
    const copy = structuredClone(file);
    resolveReleaseSpec(file, { prometheus: { url: 'http://prometheus:9090' } }, options);
    expect(file).toEqual(copy);
  });

  it('validates the merged spec: an override can make it invalid', () => {
    const file: ReleaseSpec = { service: 'reviews' };
    const overrides = { strategy: { steps: [{ weight: 10 }, { weight: 150 }] } };
    expect(safeResolveReleaseSpec(file, overrides, options)).toEqual({
      errors: [{ path: 'strategy.steps[1].weight', message: 'must be 1..100' }],
    });
    const error = thrown(() =>
      resolveReleaseSpec(file, overrides, { ...options, file: 'release.yaml' }),
    );
    expect(error).toBeInstanceOf(SpecError);
    // The bad value came from a flag, so the file is not blamed.
    expect((error as SpecError).file).toBeUndefined();
    expect((error as SpecError).message).toBe(
      'invalid release spec:\nstrategy.steps[1].weight: must be 1..100',
    );
  });

  it('names the file when a problem stems from it', () => {
    const file: ReleaseSpec = { service: 'reviews', checks: { window: '20s' } };
    const error = thrown(() =>
      resolveReleaseSpec(file, { namespace: 'x' }, { ...options, file: 'release.yaml' }),
    );
    expect((error as SpecError).file).toBe('release.yaml');
  });

  it('validates a window rule across file and overrides', () => {
    const file: ReleaseSpec = { service: 'reviews', checks: { window: '1m' } };
    expect(
      safeResolveReleaseSpec(file, { checks: { scrapeInterval: '45s' } }, options).errors,
    ).toEqual([
      {
        path: 'checks.window',
        message:
          '1m is shorter than two Prometheus scrapes (2 × checks.scrapeInterval = 1m30s); rate() needs two samples in the window',
      },
    ]);
  });

  it('requires a service from the file or the overrides', () => {
    expect(safeResolveReleaseSpec(undefined, {}, options).errors).toEqual([
      { path: 'service', message: 'required' },
    ]);
  });

  it('rejects an invalid default namespace only when it is used', () => {
    expect(
      safeResolveReleaseSpec({ service: 'reviews' }, {}, { defaultNamespace: 'Bad_NS' }).errors,
    ).toEqual([
      {
        path: 'namespace',
        message:
          'default namespace "Bad_NS" is not a valid Kubernetes name: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      },
    ]);
    expect(
      safeResolveReleaseSpec(
        { service: 'reviews', namespace: 'shop' },
        {},
        { defaultNamespace: 'Bad_NS' },
      ).value?.namespace,
    ).toBe('shop');
  });

  it('resolves credentials to their sources, never to secrets', () => {
    const resolved = resolveReleaseSpec(
      {
        service: 'reviews',
        prometheus: {
          url: 'https://prometheus.example',
          basicAuth: { username: 'me', passwordFile: '/secrets/prometheus' },
          headers: { 'X-Scope-OrgID': 'tenant-a' },
        },
      },
      {},
      options,
    );
    expect(resolved.prometheus.auth).toEqual({
      type: 'basic',
      username: 'me',
      password: { file: '/secrets/prometheus' },
    });
    expect(resolved.prometheus.headers).toEqual({ 'X-Scope-OrgID': 'tenant-a' });
    const bearer = resolveReleaseSpec(
      { service: 'reviews', prometheus: { bearerTokenEnv: 'PROM_TOKEN' } },
      {},
      options,
    );
    expect(bearer.prometheus.auth).toEqual({ type: 'bearer', token: { env: 'PROM_TOKEN' } });
  });

  it('resolves checks to one shape with their bounds', () => {
    const { checks } = resolveReleaseSpec(
      {
        service: 'reviews',
        checks: {
          items: [
            { type: 'success-rate-vs-stable', maxDegradation: 2 },
            { name: 'saturation', query: 'max(x{w="{{workload}}"})', min: 0.1, max: 0.8 },
            { type: 'latency-p99', name: 'p99-strict', max: 200 },
          ],
        },
      },
      {},
      options,
    );
    expect(checks.items).toEqual([
      {
        name: 'success-rate-vs-stable',
        type: 'success-rate-vs-stable',
        query: builtinQuery('success-rate-vs-stable'),
        min: undefined,
        max: 2,
        analysis: 'threshold',
        sequential: undefined,
        unit: 'pp',
      },
      {
        name: 'saturation',
        type: 'custom',
        query: 'max(x{w="{{workload}}"})',
        min: 0.1,
        max: 0.8,
        analysis: 'threshold',
        sequential: undefined,
        unit: '',
      },
      {
        name: 'p99-strict',
        type: 'latency-p99',
        query: builtinQuery('latency-p99'),
        min: undefined,
        max: 200,
        analysis: 'threshold',
        sequential: undefined,
        unit: 'ms',
      },
    ]);
    const none = resolveReleaseSpec({ service: 'reviews', checks: { items: [] } }, {}, options);
    expect(none.checks.items).toEqual([]);
  });

  it('resolves sequential checks to their tests, splitting alpha among them', () => {
    const { checks } = resolveReleaseSpec(
      {
        service: 'reviews',
        checks: {
          analysis: 'sequential',
          alpha: 0.03,
          margin: 3,
          items: [
            { type: 'success-rate', min: 99.5 },
            { type: 'latency-p99', max: 250 },
            { type: 'success-rate-vs-stable', tolerance: 1.5 },
            { type: 'latency-vs-stable', maxDegradation: 50, analysis: 'threshold' },
            { name: 'saturation', query: 'max(x{w="{{workload}}"})', max: 0.8 },
            { type: 'latency-vs-stable', name: 'slow-vs-stable' },
          ],
        },
      },
      {},
      options,
    );
    const tests = Object.fromEntries(checks.items.map((c) => [c.name, [c.analysis, c.sequential]]));
    // Four sequential checks share alpha 0.03.
    expect(tests).toEqual({
      'success-rate': [
        'sequential',
        {
          kind: 'bound',
          events: { counted: 'failed' },
          settings: { alpha: 0.0075, beta: 0.05, maxRate: 0.005 },
        },
      ],
      'latency-p99': [
        'sequential',
        {
          kind: 'bound',
          events: { counted: 'slow', slowerThanMs: 250 },
          settings: { alpha: 0.0075, beta: 0.05, maxRate: 0.01 },
        },
      ],
      'success-rate-vs-stable': [
        'sequential',
        {
          kind: 'compare',
          events: { counted: 'failed' },
          settings: { alpha: 0.0075, beta: 0.05, tolerance: 1.5, margin: 3 },
        },
      ],
      'latency-vs-stable': ['threshold', undefined],
      saturation: ['threshold', undefined],
      'slow-vs-stable': [
        'sequential',
        {
          kind: 'compare',
          events: { counted: 'slow', slowerThanMs: undefined },
          settings: { alpha: 0.0075, beta: 0.05, tolerance: 1, margin: 3 },
        },
      ],
    });
  });

  it('returns a deeply frozen spec', () => {
    const resolved = resolveReleaseSpec({ service: 'reviews' }, {}, options);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.strategy.steps)).toBe(true);
    expect(Object.isFrozen(resolved.strategy.steps[0])).toBe(true);
    expect(Object.isFrozen(resolved.target.slots.blue)).toBe(true);
    expect(() => {
      (resolved.strategy.steps as ReleaseStep[]).push({ weight: 100 });
    }).toThrow(TypeError);
  });
});

describe('resolveReleaseSpecYaml', () => {
  const yaml = (body: string): string =>
    `apiVersion: switchyard.dev/v1alpha1\nkind: ReleaseSpec\nservice: reviews\n${body}`;

  it('validates file and overrides together, so a flag can repair the file', () => {
    const text = yaml('checks:\n  window: 20s\n');
    expect(parseReleaseSpec(text).errors.map((issue) => issue.path)).toEqual(['checks.window']);
    const resolved = resolveReleaseSpecYaml(text, { checks: { scrapeInterval: '5s' } }, options);
    expect(resolved.checks).toMatchObject({ windowMs: 20_000, scrapeIntervalMs: 5_000 });
  });

  it('reports YAML problems and the file header as data', () => {
    expect(safeResolveReleaseSpecYaml('service: [reviews', {}, options).errors).toEqual([
      {
        path: '',
        message:
          'malformed YAML at line 1, column 18: unexpected end of the stream within a flow collection',
      },
    ]);
    expect(safeResolveReleaseSpecYaml('service: reviews\n', {}, options).errors).toEqual([
      {
        path: 'apiVersion',
        message: 'required in a spec file: add "apiVersion: switchyard.dev/v1alpha1"',
      },
      { path: 'kind', message: 'required in a spec file: add "kind: ReleaseSpec"' },
    ]);
  });

  it('throws a SpecError naming the file for the file’s problems only', () => {
    const fromFile = thrown(() =>
      resolveReleaseSpecYaml(yaml('onResume: retry\n'), {}, { ...options, file: 'release.yaml' }),
    );
    expect((fromFile as SpecError).file).toBe('release.yaml');
    const fromFlag = thrown(() =>
      resolveReleaseSpecYaml(
        yaml(''),
        { onResume: 'retry' as 'continue' },
        { ...options, file: 'release.yaml' },
      ),
    );
    expect((fromFlag as SpecError).file).toBeUndefined();
    expect((fromFlag as SpecError).issues).toEqual([
      { path: 'onResume', message: 'must be one of "continue", "rollback", got "retry"' },
    ]);
  });
});

describe('resolved steps (property)', () => {
  const step: fc.Arbitrary<StepSpec> = fc.oneof(
    fc.integer({ min: -5, max: 120 }).map((weight) => ({ weight })),
    fc.constantFrom('10s', '30s', '1m', '2m').map((bake) => ({ bake })),
    fc.constant({ pause: true as const }),
    fc.integer({ min: 1, max: 100 }).map((mirror) => ({ mirror })),
  );
  const strategy = fc.oneof(
    fc.array(step, { maxLength: 10 }).map((steps) => ({ steps })),
    fc.record({
      type: fc.constantFrom('canary' as const, 'bluegreen' as const),
      mirror: fc.integer({ min: 0, max: 100 }),
      bake: fc.constantFrom('10s', '1m'),
    }),
  );
  // Increasing weights ending at 100, with bakes between: valid by construction.
  const validSteps = fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 })
    .map((weights) =>
      [...weights.sort((a, b) => a - b), 100].flatMap((weight): StepSpec[] => [
        { weight },
        { bake: '1m' },
      ]),
    );

  it('weight steps of any resolved spec strictly increase and end at 100', () => {
    let resolvedCount = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          strategy,
          validSteps.map((steps) => ({ steps })),
        ),
        (strategySpec) => {
          const result = safeResolveReleaseSpec(
            { service: 'reviews', strategy: strategySpec },
            {},
            options,
          );
          if (result.value === undefined) {
            expect(result.errors.length).toBeGreaterThan(0);
            return;
          }
          resolvedCount++;
          const weights = result.value.strategy.steps.flatMap((s) =>
            'weight' in s ? [s.weight] : [],
          );
          expect(weights.at(-1)).toBe(100);
          weights
            .slice(1)
            .forEach((weight, i) => expect(weight).toBeGreaterThan(weights[i] ?? Infinity));
        },
      ),
      { numRuns: 500 },
    );
    // The property must have been exercised on real resolutions, not only on rejections.
    expect(resolvedCount).toBeGreaterThan(100);
  });

  it('every list of increasing weights ending at 100 resolves as written', () => {
    fc.assert(
      fc.property(validSteps, (steps) => {
        const { strategy: resolved } = resolveReleaseSpec(
          { service: 'reviews', strategy: { steps } },
          {},
          options,
        );
        expect(resolved.steps).toEqual(
          steps.map((s) => ('weight' in s ? { weight: s.weight } : { bakeMs: 60_000 })),
        );
      }),
    );
  });
});
