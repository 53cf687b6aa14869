import { describe, expect, it } from 'vitest';
import { isSameHost, resolveHost } from './host-name.js';

describe('resolveHost', () => {
  it('resolves every Kubernetes spelling of a service to one FQDN', () => {
    for (const spelling of [
      'reviews',
      'reviews.bookinfo',
      'reviews.bookinfo.svc',
      'reviews.bookinfo.svc.cluster.local',
      'Reviews.Bookinfo.SVC.cluster.local.',
    ]) {
      expect(resolveHost(spelling, 'bookinfo')).toBe('reviews.bookinfo.svc.cluster.local');
    }
  });

  it('resolves a short name in the namespace of the object that contains it', () => {
    expect(resolveHost('reviews', 'istio-system')).toBe('reviews.istio-system.svc.cluster.local');
    expect(isSameHost('reviews', 'reviews.bookinfo', 'istio-system')).toBe(false);
    expect(isSameHost('reviews', 'reviews.bookinfo', 'bookinfo')).toBe(true);
  });

  it('leaves wildcards, IP addresses and external names as written', () => {
    expect(resolveHost('*', 'bookinfo')).toBe('*');
    expect(resolveHost('*.bookinfo.svc.cluster.local', 'bookinfo')).toBe(
      '*.bookinfo.svc.cluster.local',
    );
    expect(resolveHost('10.0.0.12', 'bookinfo')).toBe('10.0.0.12');
    expect(resolveHost('fd00::12', 'bookinfo')).toBe('fd00::12');
    expect(resolveHost('api.books.example.com', 'bookinfo')).toBe('api.books.example.com');
  });

  it('uses the configured cluster domain', () => {
    expect(resolveHost('reviews', 'bookinfo', 'corp.internal')).toBe(
      'reviews.bookinfo.svc.corp.internal',
    );
    expect(isSameHost('reviews.bookinfo.svc', 'reviews', 'bookinfo', 'corp.internal')).toBe(true);
  });
});
