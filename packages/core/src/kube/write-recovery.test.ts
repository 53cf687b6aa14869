import { describe, expect, test } from 'vitest';
import type { JsonPatchOperation } from '../json-diff/json-patch-operation.js';
import {
  containsObject,
  deepEqual,
  isJsonPatchRetrySafe,
  jsonPatchApplied,
  mergePatchApplied,
  strategicMergePatchApplied,
} from './write-recovery.js';

const route = (name: string, weight: number) => ({
  name,
  route: [{ destination: { host: 'reviews', subset: name }, weight }],
});

describe('isJsonPatchRetrySafe', () => {
  test('weight changes pinned by tests are safe', () => {
    const ops: JsonPatchOperation[] = [
      { op: 'test', path: '/spec/http/1/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/1/route/0/weight', value: 80 },
    ];
    expect(isJsonPatchRetrySafe(ops)).toBe(true);
  });

  test('object-member adds, replaces and removes are idempotent', () => {
    expect(
      isJsonPatchRetrySafe([
        { op: 'add', path: '/metadata/annotations/switchyard.io~1state', value: '{}' },
        { op: 'remove', path: '/metadata/labels/old' },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 10 },
      ]),
    ).toBe(true);
  });

  test('an unguarded array insert or array removal is not', () => {
    expect(
      isJsonPatchRetrySafe([{ op: 'add', path: '/spec/http/0', value: route('pre', 100) }]),
    ).toBe(false);
    expect(
      isJsonPatchRetrySafe([{ op: 'add', path: '/spec/http/-', value: route('pre', 100) }]),
    ).toBe(false);
    expect(isJsonPatchRetrySafe([{ op: 'remove', path: '/spec/http/0' }])).toBe(false);
  });

  test('an array insert is safe when a test pins the value the insert displaces', () => {
    expect(
      isJsonPatchRetrySafe([
        { op: 'test', path: '/spec/http/0', value: route('primary', 100) },
        { op: 'add', path: '/spec/http/0', value: route('pre', 100) },
      ]),
    ).toBe(true);
  });

  test('an array insert is safe when a test pins a member the same patch changes inside the tested value', () => {
    expect(
      isJsonPatchRetrySafe([
        { op: 'test', path: '/spec/http/0/route', value: route('primary', 100).route },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
        {
          op: 'add',
          path: '/spec/http/0/route/-',
          value: { destination: { host: 'reviews', subset: 'green' }, weight: 50 },
        },
      ]),
    ).toBe(true);
  });

  test('a test the patch leaves true does not make an insert safe', () => {
    expect(
      isJsonPatchRetrySafe([
        { op: 'test', path: '/spec/hosts/0', value: 'reviews' },
        { op: 'add', path: '/spec/http/0', value: route('pre', 100) },
      ]),
    ).toBe(false);
  });

  test('a resourceVersion test makes anything safe', () => {
    expect(
      isJsonPatchRetrySafe([
        { op: 'test', path: '/metadata/resourceVersion', value: '41' },
        { op: 'add', path: '/spec/http/0', value: route('pre', 100) },
      ]),
    ).toBe(true);
  });
});

describe('jsonPatchApplied', () => {
  const current = {
    metadata: { annotations: { a: '1' } },
    spec: { http: [route('pre', 100), route('primary', 80)] },
  };

  test('true when every added or replaced value is in place and removed members are gone', () => {
    expect(
      jsonPatchApplied(current, [
        { op: 'test', path: '/spec/http/1/route/0/weight', value: 90 },
        { op: 'replace', path: '/spec/http/1/route/0/weight', value: 80 },
        { op: 'add', path: '/spec/http/0', value: route('pre', 100) },
        { op: 'remove', path: '/metadata/annotations/b' },
      ]),
    ).toBe(true);
  });

  test('false when a value differs', () => {
    expect(
      jsonPatchApplied(current, [
        { op: 'replace', path: '/spec/http/1/route/0/weight', value: 70 },
      ]),
    ).toBe(false);
  });

  test('false for array removals, which cannot be verified, and for patches of tests only', () => {
    expect(jsonPatchApplied(current, [{ op: 'remove', path: '/spec/http/0' }])).toBe(false);
    expect(
      jsonPatchApplied(current, [{ op: 'test', path: '/spec/http/1/route/0/weight', value: 80 }]),
    ).toBe(false);
  });

  test('checks appends against the last item', () => {
    expect(
      jsonPatchApplied(current, [{ op: 'add', path: '/spec/http/-', value: route('primary', 80) }]),
    ).toBe(true);
    expect(
      jsonPatchApplied(current, [{ op: 'add', path: '/spec/http/-', value: route('pre', 100) }]),
    ).toBe(false);
  });
});

describe('merge patch checks', () => {
  const current = {
    metadata: { name: 'x', resourceVersion: '9', annotations: { a: '1' } },
    spec: { replicas: 2 },
  };

  test('mergePatchApplied compares set members, nulled members and ignores the resourceVersion precondition', () => {
    expect(
      mergePatchApplied(current, {
        metadata: { resourceVersion: '3', annotations: { a: '1', b: null } },
      }),
    ).toBe(true);
    expect(mergePatchApplied(current, { spec: { replicas: 3 } })).toBe(false);
    expect(mergePatchApplied(current, { metadata: { annotations: { a: null } } })).toBe(false);
  });

  test('strategicMergePatchApplied matches list items by containment and refuses directives', () => {
    const deployment = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', image: 's:1' },
              { name: 'app', image: 'app:2', ports: [] },
            ],
          },
        },
      },
    };
    expect(
      strategicMergePatchApplied(deployment, {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } },
      }),
    ).toBe(true);
    expect(
      strategicMergePatchApplied(deployment, {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'app:3' }] } } },
      }),
    ).toBe(false);
    expect(
      strategicMergePatchApplied(deployment, {
        spec: { template: { spec: { $retainKeys: ['containers'] } } },
      }),
    ).toBe(false);
  });
});

describe('containsObject', () => {
  test('accepts server defaults and server metadata, rejects changed values', () => {
    const sent = {
      metadata: { name: 'l', resourceVersion: '5', labels: { a: 'b' } },
      spec: { holderIdentity: 'me', renewTime: 't1' },
    };
    const stored = {
      metadata: { name: 'l', resourceVersion: '7', uid: 'u', labels: { a: 'b' } },
      spec: { holderIdentity: 'me', renewTime: 't1', leaseTransitions: 0 },
    };
    expect(containsObject(stored, sent)).toBe(true);
    expect(
      containsObject({ ...stored, spec: { ...stored.spec, holderIdentity: 'other' } }, sent),
    ).toBe(false);
  });

  test('requires arrays of equal length', () => {
    expect(containsObject({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(containsObject({ a: [{ x: 1, y: 2 }] }, { a: [{ x: 1 }] })).toBe(true);
  });
});

test('deepEqual treats undefined members as absent', () => {
  expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  expect(deepEqual([1, { a: 2 }], [1, { a: 3 }])).toBe(false);
});
