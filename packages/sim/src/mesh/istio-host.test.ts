import { describe, expect, it } from 'vitest';
import { hostIsSubsetOf, hostsMatch } from './istio-host.js';

describe("hostsMatch (Istio's host.Name.Matches)", () => {
  it.each([
    ['reviews.bookinfo.svc.cluster.local', 'reviews.bookinfo.svc.cluster.local', true],
    ['reviews.bookinfo.svc.cluster.local', 'ratings.bookinfo.svc.cluster.local', false],
    ['*.bookinfo.svc.cluster.local', 'reviews.bookinfo.svc.cluster.local', true],
    ['reviews.bookinfo.svc.cluster.local', '*.bookinfo.svc.cluster.local', true],
    ['*.example.com', 'reviews.bookinfo.svc.cluster.local', false],
    ['*', 'anything.example.com', true],
    // Two wildcards overlap when the longer ends with the shorter's suffix; `*` covers all.
    ['*.foo.com', '*', true],
    ['*', '*.foo.com', true],
    ['*.bar.foo.com', '*.foo.com', true],
    ['*.foo.com', '*.bar.com', false],
  ])('%s ~ %s is %s', (a, b, expected) => {
    expect(hostsMatch(a, b)).toBe(expected);
    expect(hostsMatch(b, a)).toBe(expected);
  });
});

describe("hostIsSubsetOf (Istio's host.Name.SubsetOf)", () => {
  it('is directional', () => {
    expect(hostIsSubsetOf('reviews.example.com', '*.example.com')).toBe(true);
    expect(hostIsSubsetOf('*.example.com', 'reviews.example.com')).toBe(false);
    expect(hostIsSubsetOf('*.a.example.com', '*.example.com')).toBe(true);
    expect(hostIsSubsetOf('*.example.com', '*')).toBe(true);
  });
});
