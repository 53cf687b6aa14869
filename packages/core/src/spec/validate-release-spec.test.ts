import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors.js';
import type { ReleaseSpec } from './release-spec.js';
import { validateReleaseSpec, validateReleaseSpecOrThrow } from './validate-release-spec.js';

describe('validateReleaseSpec', () => {
  it('accepts a library spec without apiVersion and kind, and returns a copy', () => {
    const spec: ReleaseSpec = { service: 'reviews', strategy: { steps: [{ weight: 100 }] } };
    const { value, errors } = validateReleaseSpec(spec);
    expect(errors).toEqual([]);
    expect(value).toEqual(spec);
    expect(value).not.toBe(spec);
  });

  it('still checks apiVersion and kind when given', () => {
    expect(
      validateReleaseSpec({
        apiVersion: 'switchyard.dev/v2',
        kind: 'ReleaseSpec',
        service: 'reviews',
      }).errors,
    ).toEqual([
      {
        path: 'apiVersion',
        message:
          '"switchyard.dev/v2" is newer than this switchyard understands (it reads switchyard.dev/v1alpha1); upgrade switchyard to use this file',
      },
    ]);
  });

  it('reports a value that is not an object', () => {
    expect(validateReleaseSpec('reviews').errors).toEqual([
      { path: '', message: 'must be a mapping of fields, got "reviews"' },
    ]);
  });

  it('suggests the field meant when the case or separators differ', () => {
    expect(
      validateReleaseSpec({ service: 'reviews', strategy: { scale_down_old: true } }).errors,
    ).toEqual([
      {
        path: 'strategy.scale_down_old',
        message: 'unknown field "scale_down_old" (did you mean "scaleDownOld"?)',
      },
    ]);
  });

  it('quotes record keys that are not plain identifiers in paths', () => {
    expect(
      validateReleaseSpec({ service: 'reviews', prometheus: { headers: { 'x tenant': 'a' } } })
        .errors,
    ).toEqual([
      {
        path: 'prometheus.headers["x tenant"]',
        message: '"x tenant" is not a valid HTTP header name',
      },
    ]);
  });

  it('refuses a target.host that cluster DNS resolves but istiod reads as fully qualified', () => {
    for (const host of ['reviews.bookinfo', 'reviews.bookinfo.svc'])
      expect(validateReleaseSpec({ service: 'reviews', target: { host } }).errors).toEqual([
        {
          path: 'target.host',
          message: `"${host}" names no Service for istiod, which reads a host with a dot as fully qualified (cluster DNS resolves it, Istio does not): write "reviews" or "reviews.bookinfo.svc.cluster.local"`,
        },
      ]);
    for (const host of ['reviews', 'reviews.bookinfo.svc.cluster.local'])
      expect(validateReleaseSpec({ service: 'reviews', target: { host } }).errors).toEqual([]);
  });

  it('throws a SpecError from the OrThrow variant', () => {
    expect(() => validateReleaseSpecOrThrow({ service: 'reviews', onResume: 'retry' })).toThrow(
      SpecError,
    );
    expect(validateReleaseSpecOrThrow({ service: 'reviews' })).toEqual({ service: 'reviews' });
  });
});
