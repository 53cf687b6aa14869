import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch-apply.js';

const document = {
  metadata: { annotations: { 'switchyard.io/state': '{}', 'a~b': 'x' } },
  spec: { http: [{ name: 'one' }, { name: 'two' }] },
};

describe('applyJsonPatch', () => {
  it('applies add, replace, remove and test in order without touching the input', () => {
    const input = structuredClone(document);
    const result = applyJsonPatch(input, [
      { op: 'test', path: '/spec/http/0/name', value: 'one' },
      { op: 'add', path: '/spec/http/1', value: { name: 'inserted' } },
      { op: 'add', path: '/spec/http/-', value: { name: 'last' } },
      { op: 'replace', path: '/metadata/annotations/switchyard.io~1state', value: '{"phase":1}' },
      { op: 'remove', path: '/metadata/annotations/a~0b' },
      { op: 'add', path: '/spec/gateways', value: ['mesh'] },
    ]);
    expect(result).toEqual({
      ok: true,
      document: {
        metadata: { annotations: { 'switchyard.io/state': '{"phase":1}' } },
        spec: {
          http: [{ name: 'one' }, { name: 'inserted' }, { name: 'two' }, { name: 'last' }],
          gateways: ['mesh'],
        },
      },
    });
    expect(input).toEqual(document);
  });

  it('fails the whole patch on the first failing test, naming the operation', () => {
    const result = applyJsonPatch(document, [
      { op: 'replace', path: '/spec/http/0/name', value: 'changed' },
      { op: 'test', path: '/spec/http/1', value: { name: 'one' } },
    ]);
    expect(result).toMatchObject({ ok: false, operationIndex: 1, reason: 'test-failed' });
    expect(!result.ok && result.message).toBe(
      'operation 1 (test /spec/http/1): the element differs from the tested value',
    );
  });

  it('compares structurally: key order does not matter, array order does', () => {
    expect(
      applyJsonPatch({ a: { x: 1, y: [1, 2] } }, [
        { op: 'test', path: '/a', value: { y: [1, 2], x: 1 } },
      ]).ok,
    ).toBe(true);
    expect(
      applyJsonPatch({ a: { x: 1, y: [1, 2] } }, [
        { op: 'test', path: '/a', value: { x: 1, y: [2, 1] } },
      ]).ok,
    ).toBe(false);
  });

  it('reports missing paths and malformed pointers', () => {
    expect(applyJsonPatch(document, [{ op: 'remove', path: '/spec/tcp' }])).toMatchObject({
      ok: false,
      reason: 'path-not-found',
    });
    expect(
      applyJsonPatch(document, [{ op: 'replace', path: '/spec/http/2', value: 1 }]),
    ).toMatchObject({
      ok: false,
      reason: 'path-not-found',
    });
    expect(
      applyJsonPatch(document, [{ op: 'add', path: '/spec/http/01', value: 1 }]),
    ).toMatchObject({
      ok: false,
      reason: 'invalid-path',
    });
    expect(applyJsonPatch(document, [{ op: 'add', path: 'spec', value: 1 }])).toMatchObject({
      ok: false,
      reason: 'invalid-path',
    });
    expect(applyJsonPatch(document, [{ op: 'add', path: '/nope/deeper', value: 1 }])).toMatchObject(
      {
        ok: false,
        reason: 'path-not-found',
      },
    );
  });

  it('replaces and tests the whole document at the empty pointer', () => {
    expect(
      applyJsonPatch({ a: 1 }, [
        { op: 'test', path: '', value: { a: 1 } },
        { op: 'replace', path: '', value: [1] },
      ]),
    ).toEqual({ ok: true, document: [1] });
    expect(applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }])).toMatchObject({ ok: false });
  });

  it('keeps a member named __proto__ a plain member', () => {
    const result = applyJsonPatch({}, [
      { op: 'add', path: '/__proto__', value: { polluted: true } },
    ]);
    expect(result.ok && Object.keys(result.document as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
