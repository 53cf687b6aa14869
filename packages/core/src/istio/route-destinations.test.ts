import { describe, expect, it } from 'vitest';
import { routeDestinationsOf } from './route-destinations.js';

describe('routeDestinationsOf', () => {
  it('lists route entries, mirror and mirrors of http routes, and tcp and tls entries', () => {
    const found = routeDestinationsOf({
      http: [
        {
          name: 'jason',
          route: [{ destination: { host: 'reviews', subset: 'green' } }],
          mirror: { host: 'reviews', subset: 'blue' },
          mirrorPercentage: { value: 0 },
        },
        {
          route: [
            { destination: { host: 'reviews', subset: 'blue' }, weight: 100 },
            { destination: { host: 'reviews', subset: 'green' }, weight: 0 },
            { destination: { host: 'reviews', subset: 'canary' } },
          ],
          mirrors: [{ destination: { host: 'shadow' }, percentage: { value: 5 } }],
        },
        { redirect: { uri: '/' } },
      ],
      tcp: [{ route: [{ destination: { host: 'db', port: { number: 5432 } } }] }],
      tls: [{ route: [{ destination: { host: 'secure' }, weight: 0 }] }],
    });
    expect(found.map((f) => `${f.how} ${f.path} ${f.destination.host} ${f.carries}`)).toEqual([
      'route spec.http[0].route[0].destination reviews true',
      'mirror spec.http[0].mirror reviews false',
      'route spec.http[1].route[0].destination reviews true',
      'route spec.http[1].route[1].destination reviews false',
      'route spec.http[1].route[2].destination reviews false',
      'mirror spec.http[1].mirrors[0].destination shadow true',
      'route spec.tcp[0].route[0].destination db true',
      // A lone entry takes every request whatever its weight.
      'route spec.tls[0].route[0].destination secure true',
    ]);
  });

  it('skips entries that are not destinations', () => {
    expect(routeDestinationsOf({ http: [null, { route: [{ weight: 100 }] }], tcp: 'x' })).toEqual(
      [],
    );
  });
});
