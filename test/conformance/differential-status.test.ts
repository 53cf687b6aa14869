/**
 * Differential fidelity, error answers: the same failing requests sent to the simulator
 * and to the real kube-apiserver (404s, 409 conflicts on a stale resourceVersion, 409
 * AlreadyExists, 422 invalid objects, JSON Patch `test` failures, 400 malformed bodies,
 * 415 patch types, server-side apply) must get the same status code, Content-Type and
 * `kind: Status` body. The few kept differences are asserted as such; docs/conformance.md
 * lists them.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApiPair, type ApiPair, type PairedResponse } from './differential/api-pair.js';
import { normalize } from './differential/normalize.js';
import type { RawResponse } from './differential/raw-api.js';

const NS = 'differential-status';
const VS = `/apis/networking.istio.io/v1/namespaces/${NS}/virtualservices`;
const LEASES = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const CONFIGMAPS = `/api/v1/namespaces/${NS}/configmaps`;
const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

let pair: ApiPair;

beforeAll(async () => {
  pair = await startApiPair(inject('realCluster'), NS);
  for (const api of [pair.sim, pair.real]) {
    const lease = await api.request('POST', LEASES, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'taken' } },
    });
    expect(lease.status, `${api.name}: ${lease.text}`).toBe(201);
  }
});
afterAll(async () => {
  await pair?.stop();
});

/**
 * The reason Go's JSON scanner or `time.Parse` gives for refusing a body, in the messages that
 * carry one: out of scope (the simulator says why in JavaScript's words, docs/conformance.md);
 * the status, the reason code and the rest of the message are compared.
 */
const PARSER_REASONS: [RegExp, string][] = [
  [/(json parse error: ).*( \([^()]*\))$/, '$1<reason>$2'],
  [/^(error decoding patch: ).*$/, '$1<reason>'],
  [/(parsing time "[^"]*" as "[^"]*": ).*$/, '$1<reason>'],
];

/** What is compared of an answer: code, media type, the normalized body (or text), warnings. */
function comparable(response: RawResponse, parserReasons: [RegExp, string][] = []): unknown {
  return {
    status: response.status,
    mediaType: response.contentType?.split(';')[0],
    // A precondition failure quotes the stored resourceVersion, which each server numbers.
    body: normalize(response.body ?? response.text, {
      replace: [[/in record \(\d+\)/g, 'in record (<resourceVersion>)'], ...parserReasons],
    }),
    warnings: response.warnings,
  };
}

function expectSame(answers: PairedResponse, parserReasons: [RegExp, string][] = []): void {
  expect(comparable(answers.sim, parserReasons)).toEqual(comparable(answers.real, parserReasons));
}

/** A resourceVersion older than the object's: the current one minus one. */
async function staleCopy(path: string): Promise<{ sim: unknown; real: unknown }> {
  const stale = async (api: ApiPair['sim']): Promise<unknown> => {
    const object = (await api.request('GET', path)).body as {
      metadata: { resourceVersion: string };
    };
    object.metadata.resourceVersion = String(Number(object.metadata.resourceVersion) - 1);
    return object;
  };
  return { sim: await stale(pair.sim), real: await stale(pair.real) };
}

describe('404 Not Found', () => {
  it.each([
    ['a VirtualService', `${VS}/nosuch`],
    ['a Lease', `${LEASES}/nosuch`],
    ['a Deployment', `${DEPLOYMENTS}/nosuch`],
    ['a ConfigMap in a namespace that does not exist', '/api/v1/namespaces/nosuchns/configmaps/x'],
    ['the status of a missing Deployment', `${DEPLOYMENTS}/nosuch/status`],
  ])('%s', async (_what, path) => {
    const answers = await pair.both('GET', path);
    expect(answers.real.status).toBe(404);
    expectSame(answers);
  });

  it.each([
    ['an unknown resource of a built-in group', `/apis/apps/v1/namespaces/${NS}/nosuchthings`],
    [
      'an unknown resource of a CRD group',
      `/apis/networking.istio.io/v1/namespaces/${NS}/nothings`,
    ],
    ['an unknown group', `/apis/nosuch.example.com/v1/namespaces/${NS}/things`],
    ['an unknown version of a CRD group', `/apis/networking.istio.io/v9/namespaces/${NS}/x`],
    ['an unknown subresource', `${DEPLOYMENTS}/reviews-blue/nosuch`],
  ])('%s', async (_what, path) => {
    const answers = await pair.both('GET', path);
    expect(answers.real.status).toBe(404);
    expectSame(answers);
  });
});

describe('409 Conflict', () => {
  it('a PUT of a VirtualService with a stale resourceVersion', async () => {
    const stale = await staleCopy(`${VS}/reviews`);
    expectSame({
      sim: await pair.sim.request('PUT', `${VS}/reviews`, { body: stale.sim }),
      real: await pair.real.request('PUT', `${VS}/reviews`, { body: stale.real }),
    });
  });

  it('a PUT of a Lease with a stale resourceVersion, as the lock renews it', async () => {
    const stale = await staleCopy(`${LEASES}/taken`);
    const answers = {
      sim: await pair.sim.request('PUT', `${LEASES}/taken`, { body: stale.sim }),
      real: await pair.real.request('PUT', `${LEASES}/taken`, { body: stale.real }),
    };
    expect(answers.real.status).toBe(409);
    expectSame(answers);
  });

  it('a merge patch pinning an old resourceVersion', async () => {
    const answers = await pair.both('PATCH', `${VS}/reviews`, {
      body: { metadata: { resourceVersion: '1' }, spec: { hosts: ['reviews'] } },
      contentType: MERGE_PATCH,
    });
    expect(answers.real.status).toBe(409);
    expectSame(answers);
  });

  it('a delete whose resourceVersion precondition is stale', async () => {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { resourceVersion: '1' },
    };
    const answers = await pair.both('DELETE', `${LEASES}/taken`, { body });
    expect(answers.real.status).toBe(409);
    expectSame(answers);
  });

  it('a create of a Lease that exists (AlreadyExists, which the lock retries)', async () => {
    const answers = await pair.both('POST', LEASES, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'taken' } },
    });
    expect(answers.real.status).toBe(409);
    expectSame(answers);
  });
});

describe('JSON Patch failures', () => {
  it.each([
    ['a `test` op whose value differs', [{ op: 'test', path: '/spec/hosts/0', value: 'nope' }]],
    ['a `test` op on a missing path', [{ op: 'test', path: '/spec/nothere', value: 1 }]],
    [
      'a `test` op after a replace it pins',
      [
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 100 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
        { op: 'test', path: '/spec/http/0/route/1/weight', value: 5 },
      ],
    ],
    ['a replace of a missing path', [{ op: 'replace', path: '/spec/nothere/x', value: 1 }]],
    ['a remove of a missing array index', [{ op: 'remove', path: '/spec/hosts/7' }]],
  ])('%s is a bare 422', async (_what, patch) => {
    const answers = await pair.both('PATCH', `${VS}/reviews`, {
      body: patch,
      contentType: JSON_PATCH,
    });
    expect(answers.real.status).toBe(422);
    expectSame(answers);
  });

  it('a patch of more than 10,000 operations is a 413', async () => {
    const ops = Array.from({ length: 10_001 }, () => ({
      op: 'test',
      path: '/spec/hosts/0',
      value: 'reviews',
    }));
    const answers = await pair.both('PATCH', `${VS}/reviews`, {
      body: ops,
      contentType: JSON_PATCH,
    });
    expect(answers.real.status).toBe(413);
    expectSame(answers);
  });

  it.each([
    ['a patch that is not an array', { op: 'test' }],
    ['an unknown op', [{ op: 'frobnicate', path: '/spec' }]],
    ['an op without a path', [{ op: 'add', value: 1 }]],
  ])('%s', async (_what, patch) => {
    const answers = await pair.both('PATCH', `${VS}/reviews`, {
      body: patch,
      contentType: JSON_PATCH,
    });
    expectSame(answers);
  });
});

describe('updates of custom resources', () => {
  it('a PUT without a resourceVersion (custom resources allow no unconditional update)', async () => {
    const strip = async (api: ApiPair['sim']): Promise<unknown> => {
      const object = (await api.request('GET', `${VS}/reviews`)).body as {
        metadata: Record<string, unknown>;
      };
      delete object.metadata.resourceVersion;
      return object;
    };
    const answers = {
      sim: await pair.sim.request('PUT', `${VS}/reviews`, { body: await strip(pair.sim) }),
      real: await pair.real.request('PUT', `${VS}/reviews`, { body: await strip(pair.real) }),
    };
    expect(answers.real.status).toBe(422);
    expectSame(answers);
  });
});

describe('400 Bad Request', () => {
  const send = (method: string, path: string, body: unknown) =>
    pair.both(method, path, {
      body,
      ...(method === 'PATCH'
        ? {
            contentType:
              typeof body === 'string' && body.startsWith('[') ? JSON_PATCH : MERGE_PATCH,
          }
        : {}),
    });

  it.each([
    ['a body that is not JSON', 'POST', LEASES, '{"kind": '],
    ['a merge patch that is not JSON', 'PATCH', `${LEASES}/taken`, '{'],
    ['an empty body', 'POST', LEASES, ''],
    [
      'a Lease whose renewTime has milliseconds, not MicroTime’s microseconds',
      'POST',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'millis' },
        spec: { holderIdentity: 'a', renewTime: '2026-11-21T12:00:00.500Z' },
      },
    ],
    [
      'an Event whose firstTimestamp is not a time',
      'POST',
      `/api/v1/namespaces/${NS}/events`,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'when.1' },
        involvedObject: { namespace: NS },
        firstTimestamp: 'yesterday',
      },
    ],
    ['a JSON patch that is not JSON', 'PATCH', `${VS}/reviews`, '[{"op": "test"'],
  ])('%s (the parser’s reason out of scope)', async (_what, method, path, body) => {
    const answers = await send(method, path, body);
    expect(answers.real.status).toBe(400);
    expectSame(answers, PARSER_REASONS);
  });

  it.each([
    [
      'a body whose name differs from the URL',
      'PUT',
      `${LEASES}/taken`,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'other' } },
    ],
    [
      'a body in another namespace',
      'POST',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'elsewhere', namespace: 'default' },
      },
    ],
    [
      'a body of another kind',
      'POST',
      LEASES,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } },
    ],
    [
      'a custom resource without a kind',
      'POST',
      VS,
      { apiVersion: 'networking.istio.io/v1', metadata: { name: 'kindless' } },
    ],
    ['a body that is a list', 'POST', LEASES, '[1]'],
    ['a number where apiVersion goes', 'POST', VS, { apiVersion: 5, kind: 'VirtualService' }],
    [
      'a custom resource without an apiVersion',
      'POST',
      VS,
      { kind: 'VirtualService', metadata: { name: 'versionless' } },
    ],
    [
      'a kind this group does not have',
      'POST',
      LEASES,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Foo', metadata: { name: 'foo' } },
    ],
    [
      'a Lease whose duration is a string',
      'POST',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'typed' },
        spec: { leaseDurationSeconds: '15' },
      },
    ],
    [
      'a Lease whose name is a number',
      'POST',
      LEASES,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 5 } },
    ],
    [
      'a Lease whose label and owner reference hold numbers',
      'POST',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'numbers', labels: { a: 5 }, ownerReferences: [{ name: 5 }] },
      },
    ],
    [
      'a Lease with unknown fields, under strict field validation',
      'POST',
      `${LEASES}?fieldValidation=Strict`,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'strict', extra: 1 },
        spec: { holderIdentity: 'a', bogus: true },
      },
    ],
  ])('%s', async (_what, method, path, body) => {
    const answers = await send(method, path, body);
    expect(answers.real.status).toBe(400);
    expectSame(answers);
  });

  it('a Lease with unknown fields under the default (Warn): created, the fields dropped, warnings sent', async () => {
    const answers = await pair.both('POST', LEASES, {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'warned', extra: 1 },
        spec: { holderIdentity: 'a', bogus: true },
      },
    });
    expect(answers.real.status).toBe(201);
    expect(answers.real.warnings).toEqual([
      'unknown field "metadata.extra"',
      'unknown field "spec.bogus"',
    ]);
    expectSame(answers);
  });
});

describe('422 Invalid built-in objects', () => {
  it.each([
    [
      'a Lease with an invalid name',
      LEASES,
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'Not_A_Name' } },
    ],
    [
      'a Lease with a zero duration',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'zero' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 0 },
      },
    ],
    [
      'a Lease with negative transitions',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'negative' },
        spec: { leaseTransitions: -1 },
      },
    ],
    [
      'a Lease with an invalid label',
      LEASES,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'labelled', labels: { 'app.kubernetes.io/managed-by': 'not a value!' } },
      },
    ],
    [
      'an Event whose involved object is in another namespace',
      `/api/v1/namespaces/${NS}/events`,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'elsewhere.1' },
        involvedObject: { kind: 'VirtualService', name: 'reviews', namespace: 'default' },
        reason: 'Elsewhere',
      },
    ],
    [
      'a new-style Event (eventTime set) without reporting fields',
      `/api/v1/namespaces/${NS}/events`,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'newstyle.1' },
        involvedObject: { kind: 'VirtualService', name: 'reviews', namespace: NS },
        eventTime: '2026-11-21T12:00:00.000000Z',
      },
    ],
    [
      'a custom resource of another kind than its URL',
      VS,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: 'mistyped' },
        spec: { host: 'reviews' },
      },
    ],
    [
      'a custom resource with an invalid name',
      VS,
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'Not_A_Name', labels: { 'istio.io/rev': 'default' } },
        spec: { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] },
      },
    ],
    ['an object without a name', CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }],
    [
      'a Deployment with negative replicas and no selector',
      DEPLOYMENTS,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'broken' },
        spec: {
          replicas: -1,
          template: {
            metadata: { labels: { app: 'broken' } },
            spec: { containers: [{ name: 'c', image: 'example.com/c:1' }] },
          },
        },
      },
    ],
  ])('%s', async (_what, path, body) => {
    const answers = await pair.both('POST', path, { body });
    expect(answers.real.status).toBe(422);
    expectSame(answers);
  });
});

describe('successful deletes', () => {
  it('a custom resource’s delete answers a Status; a deletecollection the deleted list', async () => {
    for (const api of [pair.sim, pair.real]) {
      const created = await api.request('POST', VS, {
        body: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'doomed', labels: { 'istio.io/rev': 'default' } },
          spec: { hosts: ['doomed'], http: [{ route: [{ destination: { host: 'doomed' } }] }] },
        },
      });
      expect(created.status, `${api.name}: ${created.text}`).toBe(201);
      for (const name of ['swept-1', 'swept-2']) {
        const lease = await api.request('POST', LEASES, {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, labels: { sweep: 'yes' } },
          },
        });
        expect(lease.status, `${api.name}: ${lease.text}`).toBe(201);
      }
    }
    const deleted = await pair.both('DELETE', `${VS}/doomed`);
    expect(deleted.real.body).toMatchObject({ kind: 'Status', status: 'Success' });
    expectSame(deleted);
    const swept = await pair.both('DELETE', `${LEASES}?labelSelector=sweep%3Dyes`);
    expect(swept.real.body).toMatchObject({ kind: 'LeaseList' });
    expectSame(swept);
  });
});

describe('patches that decode badly', () => {
  it('a merge patch making a Lease field the wrong type: the same 422 on the patch field (kept: the patched JSON it quotes)', async () => {
    const answers = await pair.both('PATCH', `${LEASES}/taken`, {
      body: { spec: { leaseDurationSeconds: 'fifteen' } },
      contentType: MERGE_PATCH,
    });
    const parts = (response: RawResponse) => {
      const body = response.body as {
        code: number;
        message: string;
        details: { causes: { field: string; reason: string }[] };
      };
      // The quoted patched object: Go's struct encoding (with managedFields) on the real
      // server, the simulator's own serialization of the same object.
      const match = /^ "" is invalid: patch: Invalid value: "(.*)": (json: .*)$/.exec(body.message);
      return {
        code: body.code,
        causes: body.details.causes.map((c) => [c.field, c.reason]),
        quoted: JSON.parse(JSON.parse(`"${match?.[1] ?? ''}"`) as string) as unknown,
        detail: match?.[2],
      };
    };
    const sim = parts(answers.sim);
    const real = parts(answers.real);
    expect(real.detail).toBe(
      'json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
    expect({ ...sim, quoted: undefined }).toEqual({ ...real, quoted: undefined });
    expect(normalize(sim.quoted)).toEqual(normalize(real.quoted));
  });
});

describe('patch media types', () => {
  it('a strategic merge patch on a custom resource is a 415', async () => {
    const answers = await pair.both('PATCH', `${VS}/reviews`, {
      body: { spec: {} },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(answers.real.status).toBe(415);
    expect(answers.sim.status).toBe(415);
    // Kept: the real server lists server-side apply among the accepted types; the
    // simulator does not serve it, so it does not list it.
    const message = (response: RawResponse): string =>
      (response.body as { message: string }).message;
    expect(message(answers.real)).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(message(answers.sim)).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    );
  });

  it('an unknown patch type on a built-in object is a 415', async () => {
    const answers = await pair.both('PATCH', `${LEASES}/taken`, {
      body: { spec: {} },
      contentType: 'application/x-frobnicate',
    });
    expect(answers.real.status).toBe(415);
    expect(answers.sim.status).toBe(415);
  });

  it('server-side apply without a field manager is a 422 on both', async () => {
    const answers = await pair.both('PATCH', `${LEASES}/taken`, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'taken' } },
      contentType: APPLY_PATCH,
    });
    expect(answers.real.status).toBe(422);
    expectSame(answers);
  });

  it('server-side apply with a field manager: applied by the real server, a 415 from the simulator (kept)', async () => {
    const answers = await pair.both('PATCH', `${CONFIGMAPS}/applied?fieldManager=conformance`, {
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'applied' },
        data: { key: 'value' },
      },
      contentType: APPLY_PATCH,
    });
    expect(answers.real.status).toBe(201);
    expect(answers.real.body).toMatchObject({
      metadata: { managedFields: [{ manager: 'conformance', operation: 'Apply' }] },
      data: { key: 'value' },
    });
    expect(answers.sim.status).toBe(415);
    expect(answers.sim.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType' });
  });
});
