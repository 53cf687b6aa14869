import { describe, expect, it } from 'vitest';
import { applyPatchDocument, PatchMediaType } from './patch-document.js';

const stored = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews', annotations: { note: 'success-rate >= 99' } },
  spec: { http: [{ name: 'primary', route: [{ weight: 80 }, { weight: 20 }] }] },
};

function testOp(rawValue: string, path = '/metadata/annotations/note'): Buffer {
  return Buffer.from(`[{"op":"test","path":"${path}","value":${rawValue}}]`);
}

function apply(body: Buffer): unknown {
  return applyPatchDocument(PatchMediaType.JsonPatch, 'VirtualService', stored, body, 'Strict');
}

describe('JSON Patch test ops compare raw bytes with the stored object as Go encodes it', () => {
  it('refuses a string holding ">" written raw, as kube-apiserver does (422)', () => {
    expect(() => apply(testOp('"success-rate >= 99"'))).toThrow(
      expect.objectContaining({ status: expect.objectContaining({ code: 422 }) }),
    );
  });

  it("accepts the same string written with Go's escapes", () => {
    expect(apply(testOp('"success-rate \\u003e= 99"'))).toEqual(stored);
  });

  it('compares routes member by member and numbers as written', () => {
    expect(apply(testOp('[{"weight":80},{"weight":20}]', '/spec/http/0/route'))).toEqual(stored);
    expect(() => apply(testOp('[{"weight":80.0},{"weight":20}]', '/spec/http/0/route'))).toThrow();
  });
});
