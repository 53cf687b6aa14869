import { describe, expect, it } from 'vitest';
import { resolveServiceHost } from './service-dns.js';

const services = new Set(['bookinfo/reviews', 'shop/cart']);
const exists = (namespace: string, name: string): boolean => services.has(`${namespace}/${name}`);

describe('resolveServiceHost', () => {
  it('resolves the forms a pod can use for a Service', () => {
    const reviews = {
      kind: 'service',
      namespace: 'bookinfo',
      name: 'reviews',
      fqdn: 'reviews.bookinfo.svc.cluster.local',
    };
    expect(resolveServiceHost('reviews', 'bookinfo', exists)).toEqual(reviews);
    expect(resolveServiceHost('reviews.bookinfo', 'shop', exists)).toEqual(reviews);
    expect(resolveServiceHost('reviews.bookinfo.svc', 'shop', exists)).toEqual(reviews);
    expect(resolveServiceHost('reviews.bookinfo.svc.cluster.local.', 'shop', exists)).toEqual(
      reviews,
    );
  });

  it('fails for names that are not Services, including a short name from another namespace', () => {
    expect(resolveServiceHost('reviews', 'shop', exists)).toBeUndefined();
    expect(resolveServiceHost('ratings.bookinfo', 'bookinfo', exists)).toBeUndefined();
    expect(resolveServiceHost('example.com', 'bookinfo', exists)).toBeUndefined();
  });

  it('needs no lookup for IP literals', () => {
    expect(resolveServiceHost('10.96.12.34', 'bookinfo', () => false)).toEqual({ kind: 'address' });
  });
});
