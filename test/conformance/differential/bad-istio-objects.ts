/**
 * Bad VirtualServices and DestinationRules, one mistake (or a few) each, grouped by the
 * layer of the real API server that refuses them: the CRD's structural schema, its CEL
 * rules, or istiod's validating webhook. The differential validation test sends each to
 * the simulator and to the real kube-apiserver and compares the answers.
 */

/** One bad object. */
export interface BadObject {
  /** What is wrong, for the test name. */
  what: string;
  /** `virtualservices` or `destinationrules`. */
  plural: 'virtualservices' | 'destinationrules';
  /** Its spec. */
  spec: Record<string, unknown>;
  /** `fieldValidation` query value; undefined sends none (the server's default, Warn). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

const route = (subset: string, weight?: number): Record<string, unknown> => ({
  destination: { host: 'reviews', subset },
  ...(weight === undefined ? {} : { weight }),
});
const vs = (http: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  hosts: ['reviews'],
  http,
  ...extra,
});
const dr = (extra: Record<string, unknown>): Record<string, unknown> => ({
  host: 'reviews',
  subsets: [{ name: 'blue', labels: { version: 'blue' } }],
  ...extra,
});

/** Refused by the CRD's OpenAPI v3 structural schema. */
export const SCHEMA_CASES: BadObject[] = [
  {
    what: 'a weight that is a string',
    plural: 'virtualservices',
    spec: vs([{ route: [{ destination: { host: 'reviews' }, weight: 'fifty' }] }]),
  },
  {
    what: 'hosts that are not a list',
    plural: 'virtualservices',
    spec: { hosts: 'reviews', http: [{ route: [route('blue')] }] },
  },
  {
    what: 'a destination without a host',
    plural: 'virtualservices',
    spec: vs([{ route: [{ destination: { subset: 'blue' } }] }]),
  },
  {
    what: 'a weight beyond int32',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue', 4294967296)] }]),
  },
  {
    what: 'a header match with two match types',
    plural: 'virtualservices',
    spec: vs([
      {
        match: [{ headers: { 'x-release': { exact: 'candidate', prefix: 'cand' } } }],
        route: [route('green')],
      },
    ]),
  },
  {
    what: 'an unknown field, with strict field validation',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue')], weightz: 3 }]),
    fieldValidation: 'Strict',
  },
  {
    what: 'an unknown load balancer',
    plural: 'destinationrules',
    spec: dr({ trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } }),
  },
  {
    what: 'a subset label that is a number',
    plural: 'destinationrules',
    spec: dr({ subsets: [{ name: 'blue', labels: { version: 3 } }] }),
  },
  {
    what: 'a DestinationRule without a host',
    plural: 'destinationrules',
    spec: { subsets: [{ name: 'blue', labels: { version: 'blue' } }] },
  },
];

/** Refused by the CRD's CEL rules (`x-kubernetes-validations`). */
export const CEL_CASES: BadObject[] = [
  {
    what: 'a zero route timeout',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue')], timeout: '0s' }]),
  },
  {
    what: 'a retry timeout that is not a duration',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue')], retries: { attempts: 2, perTryTimeout: 'soon' } }]),
  },
  {
    what: 'a connect timeout under a millisecond',
    plural: 'destinationrules',
    spec: dr({ trafficPolicy: { connectionPool: { tcp: { connectTimeout: '500us' } } } }),
  },
  {
    what: 'a wildcard workload selector',
    plural: 'destinationrules',
    spec: dr({ workloadSelector: { matchLabels: { app: 'rev*' } } }),
  },
];

/** Refused (or warned about) by istiod's validating webhook. */
export const WEBHOOK_CASES: BadObject[] = [
  {
    what: 'a negative weight',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue', -10), route('green', 110)] }]),
  },
  {
    what: 'weights that are all zero',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue', 0), route('green', 0)] }]),
  },
  {
    what: 'three mistakes in one route',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue', -1), { destination: { host: 'Bad_Host' }, weight: 1 }] }]),
  },
  {
    what: 'duplicate hosts',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue')] }], { hosts: ['reviews', 'reviews'] }),
  },
  {
    what: 'a route without a destination or redirect',
    plural: 'virtualservices',
    spec: vs([{ match: [{ uri: { prefix: '/' } }] }]),
  },
  {
    what: 'a header regex RE2 cannot compile',
    plural: 'virtualservices',
    spec: vs([
      { match: [{ headers: { 'end-user': { regex: '(jason' } } }], route: [route('blue')] },
    ]),
  },
  {
    what: 'a mirror percentage over 100',
    plural: 'virtualservices',
    spec: vs([
      {
        route: [route('blue')],
        mirror: { host: 'reviews', subset: 'green' },
        mirrorPercentage: { value: 150 },
      },
    ]),
  },
  {
    what: 'a timeout finer than a millisecond',
    plural: 'virtualservices',
    spec: vs([{ route: [route('blue')], timeout: '1500us' }]),
  },
  {
    what: 'an invalid subset name and a zero port',
    plural: 'virtualservices',
    spec: vs([{ route: [{ destination: { host: 'reviews', subset: 'v_1', port: {} } }] }]),
  },
  {
    what: 'an overlapping match (admitted with warnings)',
    plural: 'virtualservices',
    spec: vs([
      { name: 'first', match: [{ uri: { prefix: '/a' } }], route: [route('blue')] },
      { name: 'second', match: [{ uri: { prefix: '/a' } }], route: [route('green')] },
    ]),
  },
  {
    what: 'duplicate subset names',
    plural: 'destinationrules',
    spec: dr({
      subsets: [
        { name: 'blue', labels: { version: 'blue' } },
        { name: 'blue', labels: { version: 'green' } },
      ],
    }),
  },
  {
    what: 'a subset label that is not a label value',
    plural: 'destinationrules',
    spec: dr({ subsets: [{ name: 'blue', labels: { version: 'not a label!' } }] }),
  },
  {
    what: 'an empty traffic policy',
    plural: 'destinationrules',
    spec: dr({ trafficPolicy: {} }),
  },
];
