import { describe, expect, it } from 'vitest';
import { CrdCatalog } from '../crd/crd-catalog.js';
import { builtinResourceTypes, ResourceRegistry } from '../store/resource-types.js';
import { ApiStatusError } from './api-status.js';
import { decodeObject, decodePatched } from './object-decoding.js';
import { parseRequestTarget, type ResourceTarget } from './request-target.js';

const registry = new ResourceRegistry([
  ...builtinResourceTypes(),
  ...CrdCatalog.istio().resourceTypes(),
]);

function target(path: string): ResourceTarget {
  const parsed = parseRequestTarget(path, registry);
  if (parsed.kind !== 'resource') throw new Error(`${path} is not a resource path`);
  return parsed;
}

const LEASES = target('/apis/coordination.k8s.io/v1/namespaces/ns/leases');
const EVENTS = target('/api/v1/namespaces/ns/events');
const VIRTUAL_SERVICES = target('/apis/networking.istio.io/v1/namespaces/ns/virtualservices');

function decode(
  body: unknown,
  at: ResourceTarget,
  fieldValidation: 'Strict' | 'Warn' | 'Ignore' = 'Warn',
) {
  const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return decodeObject(raw, 'application/json', at, registry, fieldValidation);
}

/** The Status message the decode fails with. */
function refusal(body: unknown, at: ResourceTarget, fieldValidation?: 'Strict'): string {
  try {
    decode(body, at, fieldValidation);
  } catch (error) {
    if (error instanceof ApiStatusError) return `${error.code} ${error.status.message ?? ''}`;
    throw error;
  }
  throw new Error('decoded without an error');
}

// The expected messages are the real kube-apiserver 1.36's, captured from the test bed, except
// the reasons of JSON syntax and timestamp errors (the parser's, not Go's: docs/conformance.md).
describe('decodeObject: malformed bodies and type meta', () => {
  it('wraps syntax errors the way transformDecodeError does (the reason is JavaScript’s)', () => {
    const unrecognized = (kind: string, data: string): RegExp =>
      new RegExp(
        `^400 the object provided is unrecognized \\(must be of type ${kind}\\): couldn't get version/kind; json parse error: .+ \\(${data.replace(/[{}()]/g, '\\$&')}\\)$`,
      );
    expect(refusal('{"kind": ', LEASES)).toMatch(unrecognized('Lease', '{"kind": '));
    expect(refusal('', LEASES)).toMatch(unrecognized('Lease', '<empty>'));
    expect(refusal('nul', VIRTUAL_SERVICES)).toMatch(unrecognized('VirtualService', '6e756c'));
    expect(refusal('[1]', LEASES)).toBe(
      `400 the object provided is unrecognized (must be of type Lease): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b315d)`,
    );
    expect(refusal({ apiVersion: 5, kind: 'VirtualService' }, VIRTUAL_SERVICES)).toBe(
      `400 the object provided is unrecognized (must be of type VirtualService): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .apiVersion of type string ({"apiVersion":5,"kind":"Virtua ...)`,
    );
  });

  it('requires a custom resource’s kind and apiVersion, and checks its kind in validation', () => {
    expect(refusal({ metadata: { name: 'x' } }, VIRTUAL_SERVICES)).toBe(
      `400 the object provided is unrecognized (must be of type VirtualService): Object 'Kind' is missing in '{"metadata":{"name":"x"}}' ({"metadata":{"name":"x"}})`,
    );
    expect(refusal({ kind: 'VirtualService', metadata: { name: 'x' } }, VIRTUAL_SERVICES)).toBe(
      '400 the API version in the data () does not match the expected API version (networking.istio.io/v1)',
    );
    expect(
      refusal(
        { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'x' } },
        VIRTUAL_SERVICES,
      ),
    ).toBe(
      '422 DestinationRule.networking.istio.io "x" is invalid: kind: Invalid value: "DestinationRule": must be VirtualService',
    );
    expect(
      refusal(
        { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 5 } },
        VIRTUAL_SERVICES,
      ),
    ).toBe(
      '400 VirtualService in version "v1" cannot be handled as a VirtualService: json: cannot unmarshal number into Go struct field ObjectMeta.name of type string',
    );
  });

  it('defaults a built-in’s type meta, and finds no conversion or no kind otherwise', () => {
    expect(decode({ metadata: { name: 'x' } }, LEASES).object).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
    });
    expect(refusal({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } }, LEASES)).toBe(
      '400 ConfigMap in version "v1" cannot be handled as a Lease: converting (v1.ConfigMap) to (coordination.Lease): unknown conversion',
    );
    expect(refusal({ apiVersion: 'v1', kind: 'Foo' }, LEASES)).toBe(
      '400 Foo in version "v1" cannot be handled as a Lease: no kind "Foo" is registered for version "v1" in scheme "pkg/runtime/scheme.go:111"',
    );
    expect(refusal({ kind: 'VirtualService' }, LEASES)).toBe(
      '400 VirtualService in version "v1" cannot be handled as a Lease: no kind "VirtualService" is registered for version "coordination.k8s.io/v1" in scheme "pkg/runtime/scheme.go:111"',
    );
  });
});

describe('decodeObject: the Go shape of a Lease', () => {
  const lease = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'lock', ...metadata },
    spec,
  });

  it('refuses fields of the wrong type and MicroTimes without six fractional digits', () => {
    expect(refusal(lease({ leaseDurationSeconds: '15' }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
    expect(refusal(lease({}, { name: 5 }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string',
    );
    // Map values and list items are named by the map or list, the struct innermost.
    expect(refusal(lease({}, { labels: { a: 5 } }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
    expect(refusal(lease({}, { ownerReferences: [{ name: 5 }] }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field OwnerReference.metadata.ownerReferences.name of type string',
    );
    expect(refusal(lease({}, { finalizers: [5] }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.finalizers of type string',
    );
    expect(refusal(lease({ renewTime: '2026-11-21T12:00:00.5Z' }), LEASES)).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: parsing time "2026-11-21T12:00:00.5Z" as "2006-01-02T15:04:05.000000Z07:00": not a valid MicroTime',
    );
  });

  it('rewrites MicroTimes in UTC and keeps zero values of pointer fields; a missing spec is {}', () => {
    expect(
      decode(
        lease({
          holderIdentity: '',
          leaseTransitions: 0,
          acquireTime: '2026-11-21T13:00:00.250000+01:00',
        }),
        LEASES,
      ).object.spec,
    ).toEqual({
      holderIdentity: '',
      leaseTransitions: 0,
      acquireTime: '2026-11-21T12:00:00.250000Z',
    });
    expect(decode({ metadata: { name: 'bare' } }, LEASES).object.spec).toEqual({});
  });

  it('drops unknown fields with warnings under Warn, refuses them under Strict', () => {
    const body = lease({ holderIdentity: 'a', bogus: true }, { extra: 1 });
    expect(decode(body, LEASES)).toMatchObject({
      object: { metadata: { name: 'lock' }, spec: { holderIdentity: 'a' } },
      warnings: ['unknown field "metadata.extra"', 'unknown field "spec.bogus"'],
    });
    expect(decode(body, LEASES).object.metadata).not.toHaveProperty('extra');
    expect(decode(body, LEASES, 'Ignore').warnings).toEqual([]);
    expect(refusal(body, LEASES, 'Strict')).toBe(
      '400 Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "metadata.extra", unknown field "spec.bogus"',
    );
  });
});

describe('decodeObject: the Go shape of an Event', () => {
  it('writes back the fields Go never omits, drops omitempty zeros, truncates times to the second', () => {
    const { object } = decode(
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'x.1' },
        involvedObject: { namespace: 'ns' },
        count: 0,
        reason: '',
        lastTimestamp: '2026-11-21T12:00:00.987Z',
      },
      EVENTS,
    );
    expect(object).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'x.1' },
      involvedObject: { namespace: 'ns' },
      source: {},
      firstTimestamp: null,
      lastTimestamp: '2026-11-21T12:00:00Z',
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
  });

  it('refuses a time that is not a time, naming the field', () => {
    expect(
      refusal(
        { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.1' }, firstTimestamp: 'yesterday' },
        EVENTS,
      ),
    ).toBe(
      '400 Event in version "v1" cannot be handled as a Event: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": not a valid Time',
    );
    expect(
      refusal({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.1' }, eventTime: 5 }, EVENTS),
    ).toBe(
      '400 Event in version "v1" cannot be handled as a Event: json: cannot unmarshal number into Go struct field Event.eventTime of type string',
    );
  });
});

describe('decodePatched', () => {
  it('normalizes a patched Event’s times and refuses a time that does not parse, on the patch field', () => {
    const event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.1' } };
    expect(
      decodePatched(EVENTS, { ...event, lastTimestamp: '2026-11-21T12:00:00.5Z' }, 'Warn').object,
    ).toMatchObject({ lastTimestamp: '2026-11-21T12:00:00Z', eventTime: null });
    try {
      decodePatched(EVENTS, { ...event, lastTimestamp: 'soon' }, 'Warn');
      throw new Error('decoded');
    } catch (error) {
      expect(error).toBeInstanceOf(ApiStatusError);
      expect((error as ApiStatusError).status).toMatchObject({
        code: 422,
        details: { causes: [{ field: 'patch', reason: 'FieldValueInvalid' }] },
      });
      expect((error as ApiStatusError).status.message).toMatch(
        /^ "" is invalid: patch: Invalid value: ".*": parsing time "soon" as "2006-01-02T15:04:05Z07:00": not a valid Time$/,
      );
    }
  });
});
