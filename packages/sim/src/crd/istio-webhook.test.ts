import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../store/resource-types.js';
import { createIstioAdmission } from './istio-admission.js';

const admission = createIstioAdmission();
const typeOf = (kind: string): ResourceType => {
  const type = admission.catalog.resourceTypes().find((t) => t.kind === kind);
  if (!type) throw new Error(`no type ${kind}`);
  return type;
};

const object = (
  kind: string,
  spec: unknown,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> => ({
  apiVersion: 'networking.istio.io/v1',
  kind,
  metadata: { name: 'reviews', namespace: 'bookinfo', ...metadata },
  spec,
});

function review(kind: string, spec: unknown, metadata: Record<string, unknown> = {}) {
  return admission.reviewWebhooks(typeOf(kind), 'CREATE', object(kind, spec, metadata), undefined);
}

/** The denial message, or undefined when admitted. */
function denial(
  kind: string,
  spec: unknown,
  metadata: Record<string, unknown> = {},
): string | undefined {
  return admission.validateWebhooks(typeOf(kind), 'CREATE', object(kind, spec, metadata), undefined)
    ?.message;
}

const dest = (subset: string, weight?: number): Record<string, unknown> => ({
  destination: { host: 'reviews', subset },
  ...(weight === undefined ? {} : { weight }),
});
const vs = (http: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  hosts: ['reviews'],
  http,
  ...extra,
});

describe('VirtualService weights', () => {
  it('denies a negative weight', () => {
    expect(denial('VirtualService', vs([{ route: [dest('v1', -10), dest('v2', 110)] }]))).toBe(
      'configuration is invalid: weight -10 < 0',
    );
  });

  it('denies several destinations whose weights are all zero, including unset weights', () => {
    expect(denial('VirtualService', vs([{ route: [dest('v1', 0), dest('v2', 0)] }]))).toBe(
      'configuration is invalid: total destination weight = 0',
    );
    expect(denial('VirtualService', vs([{ route: [dest('v1'), dest('v2')] }]))).toBe(
      'configuration is invalid: total destination weight = 0',
    );
  });

  it('admits relative weights that do not sum to 100, and a single zero-weight destination', () => {
    expect(review('VirtualService', vs([{ route: [dest('v1', 1), dest('v2', 3)] }]))).toEqual({
      denial: undefined,
      warnings: [],
    });
    expect(denial('VirtualService', vs([{ route: [dest('v1', 0)] }]))).toBeUndefined();
  });

  it('sums weights in int32 like Istio: a total that wraps to 0 is denied, one past 2^32 admitted', () => {
    const max = 2_147_483_647;
    expect(
      denial('VirtualService', vs([{ route: [dest('v1', max), dest('v2', max), dest('v3', 2)] }])),
    ).toBe('configuration is invalid: total destination weight = 0');
    // Wraps to 1: Istio admits it, and Envoy later refuses the route (sum > 2^32 - 1).
    expect(
      denial('VirtualService', vs([{ route: [dest('v1', max), dest('v2', max), dest('v3', 3)] }])),
    ).toBeUndefined();
  });

  it('joins several errors the way go-multierror prints them', () => {
    expect(
      denial(
        'VirtualService',
        vs([{ route: [dest('v1', -1), { destination: { host: 'Bad_Host' }, weight: 1 }] }]),
      ),
    ).toBe(
      'configuration is invalid: 3 errors occurred:\n\t* weight -1 < 0\n\t* domain name "Bad_Host" invalid (label "Bad_Host" invalid)\n\t* total destination weight = 0\n\n',
    );
  });
});

describe('VirtualService hosts and destinations', () => {
  it('denies an empty destination host', () => {
    expect(denial('VirtualService', vs([{ route: [{ destination: { host: '' } }] }]))).toBe(
      'configuration is invalid: empty domain name not allowed',
    );
  });

  it('denies an empty or invalid VirtualService host, and duplicates', () => {
    expect(denial('VirtualService', vs([{ route: [dest('v1')] }], { hosts: [''] }))).toBe(
      'configuration is invalid: empty domain name not allowed',
    );
    expect(
      denial('VirtualService', vs([{ route: [dest('v1')] }], { hosts: ['reviews', 'reviews'] })),
    ).toBe('configuration is invalid: duplicate hosts in virtual service: reviews & reviews');
    expect(denial('VirtualService', vs([{ route: [dest('v1')] }], { hosts: ['*'] }))).toBe(
      'configuration is invalid: wildcard host * is not allowed for virtual services bound to the mesh gateway',
    );
  });

  it('treats a VirtualService without hosts as a delegate', () => {
    expect(denial('VirtualService', vs([{ route: [dest('v1')] }], { hosts: [] }))).toBeUndefined();
    expect(
      denial(
        'VirtualService',
        vs([{ route: [dest('v1')] }], { hosts: [], gateways: ['bookinfo/gw'] }),
      ),
    ).toBe('configuration is invalid: delegate virtual service must have no gateways specified');
  });

  it('checks subset names and destination ports', () => {
    expect(
      denial(
        'VirtualService',
        vs([{ route: [{ destination: { host: 'reviews', subset: 'v_1', port: {} } }] }]),
      ),
    ).toBe(
      'configuration is invalid: 2 errors occurred:\n\t* subset name is invalid: v_1\n\t* port number 0 must be in the range 1..65535\n\n',
    );
  });
});

describe('VirtualService HTTP routes', () => {
  it('requires exactly one of route, redirect, direct_response or delegate', () => {
    expect(denial('VirtualService', vs([{ match: [{ uri: { prefix: '/' } }] }]))).toBe(
      'configuration is invalid: HTTP route, redirect or direct_response is required',
    );
    expect(denial('VirtualService', vs([{ route: [dest('v1')], redirect: { uri: '/v2' } }]))).toBe(
      'configuration is invalid: HTTP route cannot contain both route and redirect',
    );
    expect(
      denial('VirtualService', vs([{ directResponse: { status: 503 }, redirect: { uri: '/v2' } }])),
    ).toBe(
      'configuration is invalid: HTTP route rule cannot contain both direct_response and redirect',
    );
    expect(
      denial(
        'VirtualService',
        vs([{ delegate: { name: 'reviews-delegate', namespace: 'bookinfo' } }]),
      ),
    ).toBeUndefined();
  });

  it('denies a header regex that RE2 cannot compile, naming the pattern', () => {
    expect(
      denial(
        'VirtualService',
        vs([{ match: [{ headers: { 'end-user': { regex: '(jason' } } }], route: [dest('v2')] }]),
      ),
    ).toBe(
      'configuration is invalid: "headers": error parsing regexp: Unterminated group: `(jason`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    );
    expect(
      denial(
        'VirtualService',
        vs([{ match: [{ uri: { regex: '(?!/api)' } }], route: [dest('v2')] }]),
      ),
    ).toBe(
      'configuration is invalid: "uri": error parsing regexp: lookaround assertions are not supported: `(?!/api)`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)',
    );
  });

  it('checks header match names and empty prefixes', () => {
    expect(
      denial(
        'VirtualService',
        vs([{ match: [{ headers: { 'end user': { exact: 'jason' } } }], route: [dest('v2')] }]),
      ),
    ).toBe('configuration is invalid: header name end user is not a valid header name');
    expect(
      denial(
        'VirtualService',
        vs([{ match: [{ headers: { 'x-release': { prefix: '' } } }], route: [dest('v2')] }]),
      ),
    ).toBe('configuration is invalid: "headers": prefix string match should not be empty');
    // Istio accepts any RFC 7230 token, upper case included.
    expect(
      denial(
        'VirtualService',
        vs([{ match: [{ headers: { 'End-User': { exact: 'jason' } } }], route: [dest('v2')] }]),
      ),
    ).toBeUndefined();
  });

  it('bounds mirrorPercentage to 0..100', () => {
    expect(
      denial(
        'VirtualService',
        vs([
          {
            route: [dest('v1')],
            mirror: { host: 'reviews', subset: 'v2' },
            mirrorPercentage: { value: 150 },
          },
        ]),
      ),
    ).toBe(
      'configuration is invalid: mirror_percentage must have a max value of 100 (it has 150.000000)',
    );
    expect(
      denial(
        'VirtualService',
        vs([
          {
            route: [dest('v1')],
            mirror: { host: 'reviews', subset: 'v2' },
            mirrorPercentage: { value: -0.5 },
          },
        ]),
      ),
    ).toBe(
      'configuration is invalid: mirror_percentage must have a min value of 0 (it has -0.500000)',
    );
  });

  it('requires whole-millisecond timeouts, which the CRD rule alone does not', () => {
    expect(denial('VirtualService', vs([{ route: [dest('v1')], timeout: '1500us' }]))).toBe(
      'configuration is invalid: only durations to ms precision are supported',
    );
  });

  it('admits duplicate route names, as Istio does, warning only about unreachable matches', () => {
    const named = (name: string, prefix: string): Record<string, unknown> => ({
      name,
      match: [{ uri: { prefix } }],
      route: [dest('v1')],
    });
    expect(review('VirtualService', vs([named('primary', '/a'), named('primary', '/b')]))).toEqual({
      denial: undefined,
      warnings: [],
    });
    expect(review('VirtualService', vs([named('first', '/a'), named('second', '/a')]))).toEqual({
      denial: undefined,
      warnings: [
        'virtualService rule "second" match #0 is not used (duplicate/overlapping match in rule "first")',
        'virtualService rule "second" not used (all matches used by prior rules)',
      ],
    });
    expect(
      review('VirtualService', vs([named('api', '/api'), named('api-v1', '/api/v1')])).warnings,
    ).toEqual([
      'virtualService rule "api-v1" match #0 of prefix /api/v1 is not used (duplicate/overlapping match in rule #0 of prefix /api on "api")',
    ]);
  });

  it('returns warnings alongside a denial without letting them deny on their own', () => {
    expect(
      review(
        'VirtualService',
        vs([{ route: [dest('v1')] }], { gateways: ['bookinfo-gateway.bookinfo'] }),
      ),
    ).toEqual({
      denial: undefined,
      warnings: [
        'using legacy gatewayName format "bookinfo-gateway.bookinfo"; prefer the <namespace>/<name> format: "bookinfo/bookinfo-gateway"',
      ],
    });
    expect(
      review(
        'VirtualService',
        vs([{ route: [dest('v1', -1)] }], { gateways: ['bookinfo-gateway.bookinfo'] }),
      ),
    ).toEqual({
      denial: {
        webhook: 'validation.istio.io',
        message: 'configuration is invalid: weight -1 < 0',
      },
      warnings: [
        'using legacy gatewayName format "bookinfo-gateway.bookinfo"; prefer the <namespace>/<name> format: "bookinfo/bookinfo-gateway"',
      ],
    });
  });
});

describe('DestinationRule', () => {
  const subsets = (...names: string[]): Record<string, unknown>[] =>
    names.map((name) => ({ name, labels: { version: name } }));

  it('requires a host', () => {
    expect(denial('DestinationRule', { host: '', subsets: subsets('v1') })).toBe(
      'configuration is invalid: empty domain name not allowed',
    );
  });

  it('requires unique, non-empty, DNS-label subset names', () => {
    expect(denial('DestinationRule', { host: 'reviews', subsets: subsets('v1', 'v1') })).toBe(
      'configuration is invalid: duplicate subset names: v1',
    );
    expect(denial('DestinationRule', { host: 'reviews', subsets: [{ name: '' }] })).toBe(
      'configuration is invalid: subset name cannot be empty',
    );
  });

  it('validates subset labels as Kubernetes labels', () => {
    expect(
      denial('DestinationRule', {
        host: 'reviews',
        subsets: [{ name: 'v1', labels: { version: 'v 1', '-app': 'x' } }],
      }),
    ).toBe(
      'configuration is invalid: 2 errors occurred:\n\t* invalid tag value: "v 1"\n\t* invalid tag key: "-app"\n\n',
    );
  });

  it('rejects an empty traffic policy', () => {
    expect(denial('DestinationRule', { host: 'reviews', trafficPolicy: {} })).toBe(
      'configuration is invalid: traffic policy must have at least one field',
    );
    expect(
      denial('DestinationRule', {
        host: 'reviews',
        trafficPolicy: { portLevelSettings: [{ port: { number: 9080 } }] },
      }),
    ).toBe('configuration is invalid: port traffic policy must have at least one field');
  });
});

describe('which requests the webhook sees', () => {
  const invalid = object('VirtualService', vs([{ route: [dest('v1', -1)] }]));

  it('is not called on DELETE, for Gateways (left to their CRD schema) or for other groups', () => {
    expect(
      review('Gateway', { servers: [{ port: { number: 0, name: 'x', protocol: 'NOPE' } }] }),
    ).toEqual({ denial: undefined, warnings: [] });
    expect(
      admission.validateWebhooks(typeOf('VirtualService'), 'DELETE', invalid, invalid),
    ).toBeUndefined();
    const configMaps: ResourceType = {
      ...typeOf('VirtualService'),
      group: '',
      kind: 'ConfigMap',
      plural: 'configmaps',
      builtin: true,
    };
    expect(admission.validateWebhooks(configMaps, 'CREATE', invalid, undefined)).toBeUndefined();
  });

  it('validates UPDATE like CREATE', () => {
    expect(
      admission.validateWebhooks(typeOf('VirtualService'), 'UPDATE', invalid, invalid),
    ).toEqual({
      webhook: 'validation.istio.io',
      message: 'configuration is invalid: weight -1 < 0',
    });
  });

  it('honours the always-reject annotation and refuses the dry-run annotation', () => {
    const valid = vs([{ route: [dest('v1')] }]);
    expect(
      denial('VirtualService', valid, {
        annotations: { 'internal.istio.io/webhook-always-reject': 'true' },
      }),
    ).toBe(
      'configuration is invalid: "internal.istio.io/webhook-always-reject" annotation found, rejecting',
    );
    expect(denial('VirtualService', valid, { annotations: { 'istio.io/dry-run': 'true' } })).toBe(
      'configuration is invalid: bookinfo/reviews has unsupported annotation istio.io/dry-run, please remove the annotation',
    );
  });
});
