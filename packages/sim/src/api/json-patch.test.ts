import { describe, expect, it } from 'vitest';
import {
  applyJsonPatch,
  decodeJsonPatch,
  JsonPatchApplyError,
  JsonPatchDecodeError,
} from './json-patch.js';

const doc = {
  spec: { http: [{ route: [{ weight: 90 }, { weight: 10 }] }], hosts: ['reviews'] },
  metadata: { labels: { a: 'b' } },
};

function apply(ops: unknown[]): unknown {
  return applyJsonPatch(doc, decodeJsonPatch(ops));
}

describe('JSON Patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test in order', () => {
    const result = apply([
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
      { op: 'add', path: '/spec/hosts/-', value: 'reviews.bookinfo' },
      { op: 'add', path: '/spec/hosts/0', value: 'first' },
      { op: 'copy', from: '/metadata/labels', path: '/metadata/annotations' },
      { op: 'move', from: '/metadata/labels/a', path: '/metadata/labels/c' },
      { op: 'remove', path: '/spec/http/0/route/1' },
      { op: 'add', path: '/metadata/labels/x~1y', value: 'escaped' },
    ]);
    expect(result).toEqual({
      spec: {
        http: [{ route: [{ weight: 50 }] }],
        hosts: ['first', 'reviews', 'reviews.bookinfo'],
      },
      metadata: { labels: { c: 'b', 'x/y': 'escaped' }, annotations: { a: 'b' } },
    });
    // The input is never modified.
    expect(doc.spec.http[0]?.route[0]?.weight).toBe(90);
  });

  it('fails a test op with the evanphx wording', () => {
    expect(() => apply([{ op: 'test', path: '/spec/http/0/route/0/weight', value: 100 }])).toThrow(
      new JsonPatchApplyError('testing value /spec/http/0/route/0/weight failed: test failed'),
    );
  });

  it('treats a null test value as "absent"', () => {
    expect(apply([{ op: 'test', path: '/metadata/missing', value: null }])).toEqual(doc);
    expect(() => apply([{ op: 'test', path: '/metadata/labels', value: null }])).toThrow(
      JsonPatchApplyError,
    );
  });

  it.each([
    [
      { op: 'replace', path: '/spec/missing', value: 1 },
      'replace operation does not apply: doc is missing key: /spec/missing: missing value',
    ],
    [
      { op: 'remove', path: '/nope/x' },
      'remove operation does not apply: doc is missing path: "/nope/x": missing value',
    ],
    [
      { op: 'add', path: '/a/b/c', value: 1 },
      'add operation does not apply: doc is missing path: "/a/b/c": missing value',
    ],
    [
      { op: 'add', path: '/spec/hosts/5', value: 1 },
      'Unable to access invalid index: 5: invalid index referenced',
    ],
    [{ op: 'frobnicate', path: '/spec' }, 'Unexpected kind: frobnicate'],
  ])('rejects %j', (op, message) => {
    expect(() => apply([op])).toThrow(message);
  });

  it('rejects bodies that are not a list of operations, worded as the real server words them', () => {
    // fieldValidation Strict or Warn (the default): the server's own typed decoding first.
    expect(() => decodeJsonPatch({ op: 'add' })).toThrow(
      new JsonPatchDecodeError(
        'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
      ),
    );
    expect(() => decodeJsonPatch([1])).toThrow(
      new JsonPatchDecodeError(
        'error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp',
      ),
    );
    expect(() => decodeJsonPatch([{ op: 'add', path: 5 }])).toThrow(
      new JsonPatchDecodeError(
        'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string',
      ),
    );
    // fieldValidation Ignore: evanphx/json-patch's decoding only, unprefixed.
    expect(() => decodeJsonPatch({ op: 'add' }, false)).toThrow(
      new JsonPatchDecodeError(
        'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
      ),
    );
    expect(() => decodeJsonPatch([1], false)).toThrow(
      new JsonPatchDecodeError(
        'json: cannot unmarshal number into Go value of type jsonpatch.Operation',
      ),
    );
  });
});
