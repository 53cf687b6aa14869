import { describe, expect, it } from 'vitest';
import { dnsOnlyServiceSpelling, resolveHost } from './host-name.js';

describe('resolveHost (istiod: ResolveShortnameToFQDN)', () => {
  it('expands a short name in the namespace of the object that contains it', () => {
    expect(resolveHost('reviews', 'bookinfo')).toBe('reviews.bookinfo.svc.cluster.local');
    expect(resolveHost('reviews', 'istio-system')).toBe('reviews.istio-system.svc.cluster.local');
  });

  it('takes every name with a dot as fully qualified, even spellings cluster DNS resolves', () => {
    for (const host of [
      'reviews.bookinfo',
      'reviews.bookinfo.svc',
      'reviews.bookinfo.svc.cluster.local',
      'reviews.bookinfo.svc.cluster.local.',
      'Reviews.Bookinfo.svc.cluster.local',
      'api.books.example.com',
    ])
      expect(resolveHost(host, 'bookinfo')).toBe(host);
    expect(resolveHost('reviews.bookinfo', 'bookinfo')).not.toBe(
      resolveHost('reviews', 'bookinfo'),
    );
  });

  it('leaves wildcards and IP addresses as written', () => {
    expect(resolveHost('*', 'bookinfo')).toBe('*');
    expect(resolveHost('*.bookinfo.svc.cluster.local', 'bookinfo')).toBe(
      '*.bookinfo.svc.cluster.local',
    );
    expect(resolveHost('10.0.0.12', 'bookinfo')).toBe('10.0.0.12');
    expect(resolveHost('fd00::12', 'bookinfo')).toBe('fd00::12');
    expect(resolveHost('', 'bookinfo')).toBe('');
  });

  it('uses the configured cluster domain, and appends only what the object has', () => {
    expect(resolveHost('reviews', 'bookinfo', 'corp.internal')).toBe(
      'reviews.bookinfo.svc.corp.internal',
    );
    expect(resolveHost('reviews', '')).toBe('reviews.svc.cluster.local');
    expect(resolveHost('reviews', 'bookinfo', '')).toBe('reviews.bookinfo');
  });
});

describe('dnsOnlyServiceSpelling', () => {
  it('names the fully qualified host of <service>.<namespace> and <service>.<namespace>.svc', () => {
    expect(dnsOnlyServiceSpelling('reviews.bookinfo')).toBe('reviews.bookinfo.svc.cluster.local');
    expect(dnsOnlyServiceSpelling('reviews.bookinfo.svc', 'corp.internal')).toBe(
      'reviews.bookinfo.svc.corp.internal',
    );
  });

  it('is undefined for short names, fully qualified names, wildcards and addresses', () => {
    for (const host of [
      'reviews',
      'reviews.bookinfo.svc.cluster.local',
      'api.books.example.com',
      '*.bookinfo',
      '10.0.0.12',
      'fd00::12',
    ])
      expect(dnsOnlyServiceSpelling(host)).toBeUndefined();
  });
});
