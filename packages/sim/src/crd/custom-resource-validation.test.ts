import { readdirSync, readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { FieldValidation } from '../store/admission.js';
import type { ResourceType } from '../store/resource-types.js';
import { createIstioAdmission } from './istio-admission.js';
import { fieldErrorsFromProblems, invalid } from '../api/api-status.js';

const admission = createIstioAdmission();
const typeOf = (kind: string): ResourceType => {
  const type = admission.catalog.resourceTypes().find((t) => t.kind === kind);
  if (!type) throw new Error(`no type ${kind}`);
  return type;
};
const VS = typeOf('VirtualService');
const DR = typeOf('DestinationRule');
const GW = typeOf('Gateway');

function validate(
  type: ResourceType,
  object: Record<string, unknown>,
  fieldValidation: FieldValidation = 'Warn',
  version = 'v1',
) {
  const result = admission.validateSchema(type, version, object, fieldValidation);
  if (!result) throw new Error('no schema');
  return result;
}

const virtualService = (spec: unknown): Record<string, unknown> => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', namespace: 'bookinfo' },
  spec,
});

const route = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  hosts: ['reviews'],
  http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }], ...extra }],
});

const fixtures = new URL('../../../core/src/istio/__fixtures__/', import.meta.url);
// Istio's own bookinfo samples (see assets/ISTIO-SAMPLES.md); the other fixtures are switchyard's.
const ISTIO_SAMPLES = new Set([
  'bookinfo-gateway.yaml',
  'destination-rule-all.yaml',
  'destination-rule-reviews.yaml',
  'virtual-service-all-v1.yaml',
  'virtual-service-reviews-50-v3.yaml',
  'virtual-service-reviews-90-10.yaml',
  'virtual-service-reviews-jason-v2-v3.yaml',
  'virtual-service-reviews-test-v2.yaml',
]);
const fixtureObjects = readdirSync(fixtures)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    (loadAll(readFileSync(new URL(file, fixtures), 'utf8')) as Record<string, unknown>[])
      .filter(
        (doc) =>
          doc && ['VirtualService', 'DestinationRule', 'Gateway'].includes(doc.kind as string),
      )
      .map((doc) => ({ file, doc })),
  );

describe('fixtures', () => {
  it('covers every Istio bookinfo sample', () => {
    expect(new Set(fixtureObjects.map((f) => f.file).filter((f) => ISTIO_SAMPLES.has(f)))).toEqual(
      ISTIO_SAMPLES,
    );
  });

  for (const version of ['v1', 'v1beta1']) {
    it(`validates every Istio bookinfo sample clean under ${version}, schema and webhook`, () => {
      for (const { file, doc } of fixtureObjects.filter((f) => ISTIO_SAMPLES.has(f.file))) {
        const type = typeOf(doc.kind as string);
        const result = validate(
          type,
          { ...doc, apiVersion: `networking.istio.io/${version}` },
          'Strict',
          version,
        );
        expect(result.problems, file).toEqual([]);
        expect(result.warnings, file).toEqual([]);
        expect(result.object, file).toEqual({
          ...doc,
          apiVersion: `networking.istio.io/${version}`,
        });
        expect(admission.reviewWebhooks(type, 'CREATE', result.object, undefined), file).toEqual({
          denial: undefined,
          warnings: [],
        });
      }
    });
  }

  it("admits switchyard's fixtures, only pruning their vendor extension fields", () => {
    for (const { file, doc } of fixtureObjects.filter((f) => !ISTIO_SAMPLES.has(f.file))) {
      const type = typeOf(doc.kind as string);
      const result = validate(type, doc, 'Warn');
      expect(result.problems, file).toEqual([]);
      for (const warning of result.warnings)
        expect(warning, file).toMatch(/^unknown field ".*x-vendor-[a-z-]+"$/);
      expect(
        admission.validateWebhooks(type, 'CREATE', result.object, undefined),
        file,
      ).toBeUndefined();
    }
  });
});

describe('structural schema validation', () => {
  it('reports a type mismatch as the API server does, and skips the CEL rules', () => {
    const result = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' }, weight: 'ten' }] }],
      }),
    );
    expect(result.problems).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.http[0].route[0].weight',
        message:
          'Invalid value: "string": spec.http[0].route[0].weight in body must be of type integer: "string"',
      },
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
  });

  it('checks int32-formatted integers through their format for non-string values', () => {
    const result = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' }, weight: 2.5 }] }],
      }),
    );
    // Then the range check, which a fraction never passes, then CEL is skipped: as a real
    // kube-apiserver 1.36 answers (captured from the conformance test bed).
    expect(result.problems).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'spec.http[0].route[0].weight',
        message:
          'Invalid value: "float64": spec.http[0].route[0].weight in body must be of type int32: "float64"',
      },
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "": Checked value must be of type integer with format int32 in spec.http[0].route[0].weight',
      },
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
  });

  it('validates ObjectMeta first, reporting an invalid name with the schema problems', () => {
    const result = validate(VS, {
      ...virtualService({ hosts: 'reviews' }),
      metadata: { name: 'Not_A_Name', namespace: 'bookinfo', labels: { 'bad key!': 'x' } },
    });
    expect(result.problems.map((p) => p.field)).toEqual([
      'metadata.name',
      'metadata.labels',
      'spec.hosts',
      '<nil>',
    ]);
    expect(result.problems[0]?.message).toBe(
      `Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    expect(result.problems[1]?.message).toBe(
      `Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
  });

  it('refuses integers beyond their int32 format, without blocking the CEL rules', () => {
    const result = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' }, weight: 2147483648 }] }],
      }),
    );
    expect(result.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "": Checked value must be of type integer with format int32 in spec.http[0].route[0].weight',
      },
    ]);
    const largest = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' }, weight: 2147483647 }] }],
      }),
    );
    expect(largest.problems).toEqual([]);
  });

  it('lists the supported values of an enum', () => {
    const result = validate(DR, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } },
    });
    expect(result.problems[0]).toEqual({
      type: 'FieldValueNotSupported',
      field: 'spec.trafficPolicy.loadBalancer.simple',
      message:
        'Unsupported value: "FASTEST": supported values: "UNSPECIFIED", "LEAST_CONN", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST"',
    });
  });

  it('reports a missing required field and bounds on numbers', () => {
    const result = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ weight: 1 }, { destination: { host: 'r', port: { number: -1 } } }] }],
      }),
    );
    expect(result.problems.slice(0, 2)).toEqual([
      {
        type: 'FieldValueRequired',
        field: 'spec.http[0].route[0].destination',
        message: 'Required value',
      },
      {
        type: 'FieldValueInvalid',
        field: 'spec.http[0].route[1].destination.port.number',
        message:
          'Invalid value: -1: spec.http[0].route[1].destination.port.number in body should be greater than or equal to 0',
      },
    ]);
  });

  it('enforces the oneOf that makes header match types mutually exclusive', () => {
    const result = validate(
      VS,
      virtualService(
        route({ match: [{ headers: { 'end-user': { exact: 'jason', prefix: 'ja' } } }] }),
      ),
    );
    expect(result.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "": "spec.http[0].match[0].headers.end-user" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      },
    ]);
    expect(
      validate(
        VS,
        virtualService(route({ match: [{ headers: { 'end-user': { exact: 'jason' } } }] })),
      ).problems,
    ).toEqual([]);
  });

  it('reports too long strings and too many items without the value', () => {
    const dr = validate(DR, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: { host: 'reviews', workloadSelector: { matchLabels: { app: 'x'.repeat(64) } } },
    });
    expect(dr.problems[0]).toEqual({
      type: 'FieldValueTooLong',
      field: 'spec.workloadSelector.matchLabels.app',
      message: 'Too long: may not be more than 63 bytes',
    });
    const gw = validate(GW, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw' },
      spec: {
        servers: [
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['*'],
            tls: { mode: 'SIMPLE', credentialNames: ['a', 'b', 'c'] },
          },
        ],
      },
    });
    expect(gw.problems[0]).toEqual({
      type: 'FieldValueTooMany',
      field: 'spec.servers[0].tls.credentialNames',
      message: 'Too many: 3: must have at most 2 items',
    });
  });

  it('drops nulls of non-nullable fields before validating, keeps them where nullable', () => {
    const result = validate(
      VS,
      virtualService(
        route({ timeout: null, retries: { attempts: 2, retryRemoteLocalities: null } }),
      ),
    );
    expect(result.problems).toEqual([]);
    const http = (result.object.spec as { http: Record<string, unknown>[] }).http[0] as Record<
      string,
      unknown
    >;
    expect('timeout' in http).toBe(false);
    expect(http.retries).toEqual({ attempts: 2, retryRemoteLocalities: null });
  });

  it('checks the byte format of direct response bodies', () => {
    const result = validate(
      VS,
      virtualService({
        hosts: ['reviews'],
        http: [{ directResponse: { status: 503, body: { bytes: 'not base64!' } } }],
      }),
    );
    expect(result.problems[0]).toEqual({
      type: 'FieldValueTypeInvalid',
      field: 'spec.http[0].directResponse.body.bytes',
      message:
        'Invalid value: "not base64!": spec.http[0].directResponse.body.bytes in body must be of type byte: "not base64!"',
    });
  });
});

describe('status fields', () => {
  const withStatus = (status: unknown): Record<string, unknown> => ({
    ...virtualService(route()),
    status,
  });

  it('accepts an int-or-string as either, and reports anything else against both', () => {
    expect(validate(VS, withStatus({ observedGeneration: 5 })).problems).toEqual([]);
    expect(validate(VS, withStatus({ observedGeneration: '5' })).problems).toEqual([]);
    expect(validate(VS, withStatus({ observedGeneration: true })).problems.slice(0, 3)).toEqual([
      {
        type: 'FieldValueTypeInvalid',
        field: 'status.observedGeneration',
        message:
          'Invalid value: "boolean": status.observedGeneration in body must be of type integer,string: "boolean"',
      },
      {
        type: 'FieldValueInvalid',
        field: '<nil>',
        message:
          'Invalid value: "": "status.observedGeneration" must validate at least one schema (anyOf)',
      },
      {
        type: 'FieldValueTypeInvalid',
        field: 'status.observedGeneration',
        message:
          'Invalid value: "boolean": status.observedGeneration in body must be of type integer: "boolean"',
      },
    ]);
  });

  it('checks date-time formats', () => {
    const result = validate(
      VS,
      withStatus({ conditions: [{ type: 'Reconciled', lastTransitionTime: 'yesterday' }] }),
    );
    expect(result.problems[0]).toEqual({
      type: 'FieldValueTypeInvalid',
      field: 'status.conditions[0].lastTransitionTime',
      message:
        'Invalid value: "yesterday": status.conditions[0].lastTransitionTime in body must be of type date-time: "yesterday"',
    });
    expect(
      validate(
        VS,
        withStatus({
          conditions: [{ type: 'Reconciled', lastTransitionTime: '2026-11-02T10:00:00Z' }],
        }),
      ).problems,
    ).toEqual([]);
  });
});

describe('x-kubernetes-validations', () => {
  it('rejects a timeout under 1ms through the CRD rule, with the value', () => {
    const result = validate(VS, virtualService(route({ timeout: '0.5ms' })));
    expect(result.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.http[0].timeout',
        message: 'Invalid value: "0.5ms": must be a valid duration greater than 1ms',
      },
    ]);
    expect(validate(VS, virtualService(route({ timeout: '1h2m3.5s' }))).problems).toEqual([]);
  });

  it('reports a rule that cannot evaluate as an evaluation error', () => {
    const result = validate(
      VS,
      virtualService(route({ retries: { attempts: 3, perTryTimeout: 'soon' } })),
    );
    expect(result.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.http[0].retries.perTryTimeout',
        message:
          "Invalid value: \"string\": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms",
      },
    ]);
  });

  it('reports object rules without the value, and map rules at [key]', () => {
    const gw = validate(GW, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gw' },
      spec: {
        servers: [
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['*'],
            tls: { mode: 'SIMPLE', credentialName: 'a', credentialNames: ['b'] },
          },
        ],
      },
    });
    expect(gw.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.servers[0].tls',
        message: 'Invalid value: only one of credentialName or credentialNames can be set',
      },
    ]);
    const dr = validate(DR, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: {
        host: 'reviews',
        workloadSelector: { matchLabels: { 'app*': 'reviews', version: 'v*' } },
      },
    });
    expect(dr.problems).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.workloadSelector.matchLabels',
        message: 'Invalid value: wildcard not allowed in label key match',
      },
      {
        type: 'FieldValueInvalid',
        field: 'spec.workloadSelector.matchLabels[version]',
        message: 'Invalid value: "v*": wildcard not allowed in label value match',
      },
    ]);
  });
});

describe('pruning and fieldValidation', () => {
  const withUnknown = (): Record<string, unknown> =>
    virtualService({
      hosts: ['reviews'],
      foo: 1,
      http: [{ route: [{ destination: { host: 'reviews', bar: true } }] }],
    });

  it('Strict: unknown fields are the only problems, as a strict decoding error', () => {
    const result = validate(VS, withUnknown(), 'Strict');
    expect(result.problems).toEqual([
      { type: 'FieldValueUnknown', field: 'spec.foo', message: 'unknown field "spec.foo"' },
      {
        type: 'FieldValueUnknown',
        field: 'spec.http[0].route[0].destination.bar',
        message: 'unknown field "spec.http[0].route[0].destination.bar"',
      },
    ]);
  });

  it('Warn: unknown fields are pruned and returned as warnings', () => {
    const result = validate(VS, withUnknown(), 'Warn');
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([
      'unknown field "spec.foo"',
      'unknown field "spec.http[0].route[0].destination.bar"',
    ]);
    expect(result.object.spec).toEqual({
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' } }] }],
    });
  });

  it('Ignore: unknown fields are pruned silently', () => {
    const input = withUnknown();
    const result = validate(VS, input, 'Ignore');
    expect(result).toEqual({
      object: virtualService({
        hosts: ['reviews'],
        http: [{ route: [{ destination: { host: 'reviews' } }] }],
      }),
      problems: [],
      warnings: [],
    });
    expect((input.spec as Record<string, unknown>).foo).toBe(1);
  });

  it('keeps apiVersion, kind, metadata and preserve-unknown-fields subtrees; prunes unknown metadata and root fields', () => {
    const result = validate(
      VS,
      {
        ...virtualService(route()),
        metadata: { name: 'reviews', labels: { a: 'b' }, colour: 'blue' },
        extra: 1,
        status: { anything: { goes: true } },
      },
      'Warn',
    );
    expect(result.warnings).toEqual(['unknown field "metadata.colour"', 'unknown field "extra"']);
    expect(result.object).toEqual({
      ...virtualService(route()),
      metadata: { name: 'reviews', labels: { a: 'b' } },
      status: { anything: { goes: true } },
    });
  });
});

describe('status messages', () => {
  it('formats an Invalid status like errors.NewInvalid', () => {
    const result = validate(
      VS,
      virtualService(route({ timeout: '0.5ms', retries: { attempts: 1, perTryTimeout: '0s' } })),
    );
    const invalidMessage = (problems: typeof result.problems): string | undefined =>
      invalid(
        { group: 'networking.istio.io', kind: 'VirtualService' },
        'reviews',
        fieldErrorsFromProblems(problems),
      ).status.message;
    expect(invalidMessage(result.problems)).toBe(
      'VirtualService.networking.istio.io "reviews" is invalid: [spec.http[0].timeout: Invalid value: "0.5ms": must be a valid duration greater than 1ms, spec.http[0].retries.perTryTimeout: Invalid value: "0s": must be a valid duration greater than 1ms]',
    );
    expect(invalidMessage(result.problems.slice(0, 1))).toBe(
      'VirtualService.networking.istio.io "reviews" is invalid: spec.http[0].timeout: Invalid value: "0.5ms": must be a valid duration greater than 1ms',
    );
  });
});

describe('types without a CRD schema', () => {
  it('returns undefined for built-in types and unserved versions', () => {
    const deployment = {
      ...VS,
      group: 'apps',
      plural: 'deployments',
      kind: 'Deployment',
      builtin: true,
    };
    expect(admission.validateSchema(deployment, 'v1', {}, 'Strict')).toBeUndefined();
    expect(admission.validateSchema(VS, 'v2', {}, 'Strict')).toBeUndefined();
  });
});
