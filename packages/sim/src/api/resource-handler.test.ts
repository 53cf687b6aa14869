import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiRequest } from './__fixtures__/api-client.js';
import { startTestCluster, typeOf, type TestCluster } from './__fixtures__/api-test-cluster.js';

let cluster: TestCluster;
let counter = 0;
let name: string;

const VS_PATH = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
const DEPLOY_PATH = '/apis/apps/v1/namespaces/default/deployments';

function virtualService(
  vsName: string,
  weight = 100,
  apiVersion = 'networking.istio.io/v1',
): Record<string, unknown> {
  return {
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: vsName, labels: { app: 'reviews' } },
    spec: {
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' }, weight }] }],
    },
  };
}

function deployment(depName: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: depName, labels: { app: depName } },
    spec: {
      selector: { matchLabels: { app: depName } },
      template: {
        metadata: { labels: { app: depName } },
        spec: { containers: [{ name: 'app', image: 'app:1' }] },
      },
    },
  };
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster.stop();
});
beforeEach(() => {
  name = `obj-${++counter}`;
});

describe('create, get, list, update, delete', () => {
  it('round-trips a VirtualService and reads it in every served version', async () => {
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name, namespace: 'default', generation: 1 });
    expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

    const v1beta1 = await apiRequest(
      cluster,
      'GET',
      `/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices/${name}`,
    );
    expect(v1beta1.body.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(v1beta1.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

    const updated = await apiRequest(cluster, 'PUT', `${VS_PATH}/${name}`, {
      body: {
        ...created.body,
        spec: { ...created.body.spec, hosts: ['reviews', 'reviews.default'] },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.generation).toBe(2);
    expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.body.metadata.resourceVersion),
    );

    const list = await apiRequest(cluster, 'GET', `${VS_PATH}?labelSelector=app%3Dreviews`);
    expect(list.body.kind).toBe('VirtualServiceList');
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain(
      name,
    );
    expect(list.body.items[0].apiVersion).toBe('networking.istio.io/v1');

    const deleted = await apiRequest(cluster, 'DELETE', `${VS_PATH}/${name}`);
    expect(deleted.status).toBe(200);
    // A custom resource's registry answers a delete with a Status, as most built-ins do.
    expect(deleted.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name,
        group: 'networking.istio.io',
        kind: 'virtualservices',
        uid: created.body.metadata.uid,
      },
    });
    expect((await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`)).status).toBe(404);
  });

  it('stores built-ins with defaults and answers deletes of them with a Status', async () => {
    const created = await apiRequest(cluster, 'POST', DEPLOY_PATH, { body: deployment(name) });
    expect(created.status).toBe(201);
    expect(created.body.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
    });
    expect(created.body.spec.template.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
    });
    expect(created.body.status).toEqual({});

    const list = await apiRequest(cluster, 'GET', '/apis/apps/v1/deployments');
    // Typed list items carry no apiVersion/kind on a real server.
    const item = list.body.items.find(
      (i: { metadata: { name: string } }) => i.metadata.name === name,
    );
    expect(item.kind).toBeUndefined();

    const deleted = await apiRequest(cluster, 'DELETE', `${DEPLOY_PATH}/${name}`);
    expect(deleted.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name, group: 'apps', kind: 'deployments', uid: created.body.metadata.uid },
    });
  });

  it('creates with generateName', async () => {
    const body = virtualService('');
    (body.metadata as Record<string, unknown>).name = undefined;
    (body.metadata as Record<string, unknown>).generateName = 'gen-';
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body });
    expect(created.status).toBe(201);
    expect(created.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('answers 409 AlreadyExists for a duplicate create', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const again = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      reason: 'AlreadyExists',
      message: `virtualservices.networking.istio.io "${name}" already exists`,
    });
  });

  it('answers 404 NotFound shaped like the real Status', async () => {
    const reply = await apiRequest(cluster, 'GET', `${VS_PATH}/missing`);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'virtualservices.networking.istio.io "missing" not found',
      reason: 'NotFound',
      details: { name: 'missing', group: 'networking.istio.io', kind: 'virtualservices' },
      code: 404,
    });
    expect(
      (
        await apiRequest(cluster, 'PATCH', `${VS_PATH}/missing`, {
          body: {},
          contentType: 'application/merge-patch+json',
        })
      ).status,
    ).toBe(404);
    expect((await apiRequest(cluster, 'DELETE', `${VS_PATH}/missing`)).status).toBe(404);
  });

  it('answers 400 for malformed bodies and mismatched type meta', async () => {
    const malformed = await apiRequest(cluster, 'POST', VS_PATH, { body: '{"metadata": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    // transformDecodeError's wording around the parser's reason and the body's first bytes.
    expect(malformed.body.message).toMatch(
      /^the object provided is unrecognized \(must be of type VirtualService\): couldn't get version\/kind; json parse error: .+ \(\{"metadata": \)$/,
    );

    const wrongVersion = await apiRequest(cluster, 'POST', VS_PATH, {
      body: virtualService(name, 100, 'networking.istio.io/v1beta1'),
    });
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.message).toBe(
      'the API version in the data (networking.istio.io/v1beta1) does not match the expected API version (networking.istio.io/v1)',
    );

    const wrongName = await apiRequest(cluster, 'PUT', `${VS_PATH}/other`, {
      body: virtualService(name),
    });
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.message).toBe(
      `the name of the object (${name}) does not match the name on the URL (other)`,
    );

    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const badPatch = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: 'not json',
      contentType: 'application/merge-patch+json',
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.message).toMatch(/^error decoding patch: .+/);

    const badSelector = await apiRequest(cluster, 'GET', `${VS_PATH}?labelSelector=app%20in%20(`);
    expect(badSelector.status).toBe(400);
  });

  it('requires a resourceVersion to PUT a custom resource, not a built-in', async () => {
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const { resourceVersion: _rv, ...metadata } = created.body.metadata;
    const unconditional = await apiRequest(cluster, 'PUT', `${VS_PATH}/${name}`, {
      body: { ...created.body, metadata },
    });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body.message).toBe(
      `virtualservices.networking.istio.io "${name}" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`,
    );

    const lease = await apiRequest(
      cluster,
      'POST',
      '/apis/coordination.k8s.io/v1/namespaces/default/leases',
      {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name },
          spec: { holderIdentity: 'a' },
        },
      },
    );
    const leaseUpdate = await apiRequest(
      cluster,
      'PUT',
      `/apis/coordination.k8s.io/v1/namespaces/default/leases/${name}`,
      {
        body: { ...lease.body, metadata: { name }, spec: { holderIdentity: 'b' } },
      },
    );
    expect(leaseUpdate.status).toBe(200);
    expect(leaseUpdate.body.spec.holderIdentity).toBe('b');
  });
});

describe('conflicts', () => {
  it('answers 409 for a PUT with a stale resourceVersion', async () => {
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const first = await apiRequest(cluster, 'PUT', `${VS_PATH}/${name}`, {
      body: { ...created.body, spec: { hosts: ['a'] } },
    });
    expect(first.status).toBe(200);
    const stale = await apiRequest(cluster, 'PUT', `${VS_PATH}/${name}`, {
      body: { ...created.body, spec: { hosts: ['b'] } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `Operation cannot be fulfilled on virtualservices.networking.istio.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      reason: 'Conflict',
      details: { name, group: 'networking.istio.io', kind: 'virtualservices' },
      code: 409,
    });
    const stored = await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`);
    expect(stored.body.spec.hosts).toEqual(['a']);
  });

  it('answers 409 for a merge patch carrying a stale resourceVersion; without one it wins', async () => {
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: { metadata: { labels: { touched: 'yes' } } },
      contentType: 'application/merge-patch+json',
    });
    const stale = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: {
        metadata: { resourceVersion: created.body.metadata.resourceVersion },
        spec: { hosts: ['stale'] },
      },
      contentType: 'application/merge-patch+json',
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const blind = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: { spec: { hosts: ['blind'] } },
      contentType: 'application/merge-patch+json',
    });
    expect(blind.status).toBe(200);
    expect(blind.body.spec.hosts).toEqual(['blind']);
  });
});

describe('patch types', () => {
  it('applies a JSON Patch and answers 422 when its test op fails', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name, 90) });
    const ok = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: [
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 80 },
      ],
      contentType: 'application/json-patch+json',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.spec.http[0].route[0].weight).toBe(80);

    const failed = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: [
        { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
        { op: 'replace', path: '/spec/http/0/route/0/weight', value: 70 },
      ],
      contentType: 'application/json-patch+json',
    });
    expect(failed.status).toBe(422);
    expect(failed.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      // NewGenericServerResponse with isUnexpectedResponse=false: no cause, not even the op.
      details: {},
      code: 422,
    });
    const stored = await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`);
    expect(stored.body.spec.http[0].route[0].weight).toBe(80);
  });

  it('answers 413 for a JSON Patch of more than 10,000 operations', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const reply = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/spec', value: {} })),
      contentType: 'application/json-patch+json',
    });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({
      reason: 'RequestEntityTooLarge',
      message:
        'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });

  it('answers 415 for strategic merge and apply patches on a custom resource', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    for (const [contentType, query] of [
      ['application/strategic-merge-patch+json', ''],
      ['application/apply-patch+yaml', '?fieldManager=test'],
    ] as const) {
      const reply = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}${query}`, {
        body: { spec: { hosts: ['x'] } },
        contentType,
      });
      expect(reply.status).toBe(415);
      expect(reply.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
        reason: 'UnsupportedMediaType',
        code: 415,
      });
    }
  });

  it('answers 415 for a protobuf body of a custom resource, which has no protobuf form', async () => {
    const reply = await apiRequest(cluster, 'POST', VS_PATH, {
      body: 'k8s\u0000',
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect(reply.status).toBe(415);
    expect(reply.body).toMatchObject({ reason: 'UnsupportedMediaType', code: 415 });
  });

  it('checks an apply patch’s options first: no field manager is the real 422', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const reply = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: { spec: { hosts: ['x'] } },
      contentType: 'application/apply-patch+yaml',
    });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      reason: 'Invalid',
      details: {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
      code: 422,
    });
    // Other unknown patch types are refused before their options are read, as on a real server.
    const unknown = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}?force=true`, {
      body: {},
      contentType: 'application/x-frobnicate',
    });
    expect(unknown.status).toBe(415);
  });

  it('applies a strategic merge patch to a Deployment, merging containers by name', async () => {
    const body = deployment(name);
    const template = (body.spec as any).template;
    template.spec.containers.push({ name: 'sidecar', image: 'proxy:1' });
    await apiRequest(cluster, 'POST', DEPLOY_PATH, { body });
    const patched = await apiRequest(cluster, 'PATCH', `${DEPLOY_PATH}/${name}`, {
      body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(patched.status).toBe(200);
    expect(
      patched.body.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
    ).toEqual(['app=app:2', 'sidecar=proxy:1']);
    expect(patched.body.metadata.generation).toBe(2);
  });
});

describe('dryRun=All', () => {
  it('validates and admits but stores nothing and emits nothing', async () => {
    const events: string[] = [];
    const unsubscribe = cluster.store.subscribe((e) =>
      events.push(`${e.type} ${e.object.metadata.name}`),
    );
    const rvBefore = cluster.store.currentResourceVersion();
    try {
      const created = await apiRequest(cluster, 'POST', `${VS_PATH}?dryRun=All`, {
        body: virtualService(name),
      });
      expect(created.status).toBe(201);
      expect(created.body.metadata.name).toBe(name);
      expect((await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`)).status).toBe(404);

      const rejected = await apiRequest(cluster, 'POST', `${VS_PATH}?dryRun=All`, {
        body: virtualService(name, -5),
      });
      expect(rejected.status).toBe(422);

      cluster.seed('networking.istio.io', 'virtualservices', 'default', virtualService(name));
      events.length = 0;
      const seededRv = cluster.store.currentResourceVersion();
      const patched = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}?dryRun=All`, {
        body: { spec: { hosts: ['dry'] } },
        contentType: 'application/merge-patch+json',
      });
      expect(patched.body.spec.hosts).toEqual(['dry']);
      const deleted = await apiRequest(cluster, 'DELETE', `${VS_PATH}/${name}?dryRun=All`);
      expect(deleted.status).toBe(200);
      const stored = await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`);
      expect(stored.body.spec.hosts).toEqual(['reviews']);
      expect(events).toEqual([]);
      expect(cluster.store.currentResourceVersion()).toBe(seededRv);
      expect(seededRv).toBe(rvBefore + 1);
    } finally {
      unsubscribe();
    }
  });

  it('rejects dryRun values other than All with the real validation message', async () => {
    const reply = await apiRequest(cluster, 'POST', `${VS_PATH}?dryRun=Yes`, {
      body: virtualService(name),
    });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Yes"}: supported values: "All"',
    );
  });
});

describe('admission', () => {
  it('answers 422 Invalid with causes built from schema problems', async () => {
    const reply = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name, -1) });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `VirtualService.networking.istio.io "${name}" is invalid: spec.http[0].route[0].weight: Invalid value: -1: spec.http[0].route[0].weight in body should be greater than or equal to 0`,
      reason: 'Invalid',
      details: {
        name,
        group: 'networking.istio.io',
        kind: 'VirtualService',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message:
              'Invalid value: -1: spec.http[0].route[0].weight in body should be greater than or equal to 0',
            field: 'spec.http[0].route[0].weight',
          },
        ],
      },
      code: 422,
    });
  });

  it('validates patched objects too', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const reply = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: -3 }],
      contentType: 'application/json-patch+json',
    });
    expect(reply.status).toBe(422);
    expect(reply.body.details.causes[0].field).toBe('spec.http[0].route[0].weight');
  });

  it('answers 400 with the webhook’s denial', async () => {
    const body = virtualService(name);
    (body.spec as Record<string, unknown>).deny = true;
    const reply = await apiRequest(cluster, 'POST', VS_PATH, { body });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'admission webhook "validation.istio.io" denied the request: configuration is invalid: denied by test',
      code: 400,
    });
    expect(cluster.admission.webhookCalls.at(-1)).toEqual({ operation: 'CREATE', name });
  });

  it('prunes unknown fields with a Warning header, or rejects them under Strict', async () => {
    const body = virtualService(name);
    (body.spec as Record<string, unknown>).bogus = 1;
    const warned = await apiRequest(cluster, 'POST', VS_PATH, { body });
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec.bogus\\""');
    expect(warned.body.spec.bogus).toBeUndefined();

    const strict = await apiRequest(cluster, 'POST', `${VS_PATH}?fieldValidation=Strict`, {
      body: { ...body, metadata: { name: `${name}-s` } },
    });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'VirtualService in version "v1" cannot be handled as a VirtualService: strict decoding error: unknown field "spec.bogus"',
    );

    const ignored = await apiRequest(cluster, 'POST', `${VS_PATH}?fieldValidation=Ignore`, {
      body: { ...body, metadata: { name: `${name}-i` } },
    });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.warning).toBeUndefined();
  });

  it('validates built-in workloads: the selector must match the template labels', async () => {
    const body = deployment(name);
    (body.spec as any).template.metadata.labels = { app: 'other' };
    const reply = await apiRequest(cluster, 'POST', DEPLOY_PATH, { body });
    expect(reply.status).toBe(422);
    expect(reply.body.message).toBe(
      `Deployment.apps "${name}" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: \`selector\` does not match template \`labels\``,
    );
  });
});

describe('subresources', () => {
  it('writes status only through the status subresource', async () => {
    const created = await apiRequest(cluster, 'POST', DEPLOY_PATH, { body: deployment(name) });
    const ignored = await apiRequest(cluster, 'PUT', `${DEPLOY_PATH}/${name}`, {
      body: { ...created.body, status: { replicas: 9 } },
    });
    expect(ignored.body.status).toEqual({});
    const status = await apiRequest(cluster, 'PATCH', `${DEPLOY_PATH}/${name}/status`, {
      body: { status: { replicas: 1, readyReplicas: 1, observedGeneration: 1 } },
      contentType: 'application/merge-patch+json',
    });
    expect(status.status).toBe(200);
    expect(status.body.status).toEqual({ replicas: 1, readyReplicas: 1, observedGeneration: 1 });
    expect(status.body.metadata.generation).toBe(1);
    const read = await apiRequest(cluster, 'GET', `${DEPLOY_PATH}/${name}/status`);
    expect(read.body.status.readyReplicas).toBe(1);
  });

  it('reads and writes replicas through scale', async () => {
    await apiRequest(cluster, 'POST', DEPLOY_PATH, { body: deployment(name) });
    const scale = await apiRequest(cluster, 'GET', `${DEPLOY_PATH}/${name}/scale`);
    expect(scale.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace: 'default' },
      spec: { replicas: 1 },
      status: { replicas: 0, selector: `app=${name}` },
    });
    const put = await apiRequest(cluster, 'PUT', `${DEPLOY_PATH}/${name}/scale`, {
      body: { ...scale.body, spec: { replicas: 4 } },
    });
    expect(put.body.spec.replicas).toBe(4);
    const patched = await apiRequest(cluster, 'PATCH', `${DEPLOY_PATH}/${name}/scale`, {
      body: { spec: { replicas: 2 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.body.spec.replicas).toBe(2);
    const dep = await apiRequest(cluster, 'GET', `${DEPLOY_PATH}/${name}`);
    expect(dep.body.spec.replicas).toBe(2);
    const stale = await apiRequest(cluster, 'PUT', `${DEPLOY_PATH}/${name}/scale`, {
      body: { ...scale.body, spec: { replicas: 5 } },
    });
    expect(stale.status).toBe(409);
    const negative = await apiRequest(cluster, 'PATCH', `${DEPLOY_PATH}/${name}/scale`, {
      body: { spec: { replicas: -1 } },
      contentType: 'application/merge-patch+json',
    });
    expect(negative.status).toBe(422);
  });

  it('answers 404 for a subresource the type does not have', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    expect((await apiRequest(cluster, 'GET', `${VS_PATH}/${name}/scale`)).status).toBe(404);
  });
});

describe('deletecollection', () => {
  it('answers with the list of what it deleted, for built-in and custom resources alike', async () => {
    for (const i of [1, 2])
      cluster.seed('', 'configmaps', 'default', {
        metadata: { name: `${name}-${i}`, labels: { batch: name } },
      });
    const configMaps = await apiRequest(
      cluster,
      'DELETE',
      `/api/v1/namespaces/default/configmaps?labelSelector=batch%3D${name}`,
    );
    expect(configMaps.status).toBe(200);
    expect(configMaps.body.kind).toBe('ConfigMapList');
    expect(
      configMaps.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ).toEqual([`${name}-1`, `${name}-2`]);
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const virtualServices = await apiRequest(
      cluster,
      'DELETE',
      `${VS_PATH}?labelSelector=app%3Dreviews`,
    );
    expect(virtualServices.body.kind).toBe('VirtualServiceList');
    expect(virtualServices.body.items.length).toBeGreaterThan(0);
  });
});

describe('built-in validation', () => {
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

  it('validates a Lease’s duration and transitions, and its metadata, in one 422', async () => {
    const reply = await apiRequest(cluster, 'POST', LEASES, {
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, labels: { bad: 'not a value!' } },
        spec: { leaseDurationSeconds: 0, leaseTransitions: -1 },
      },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.details.causes.map((c: { field: string }) => c.field)).toEqual([
      'metadata.labels',
      'spec.leaseDurationSeconds',
      'spec.leaseTransitions',
    ]);
    expect(reply.body.message).toContain(
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    );
    expect(reply.body.message).toMatch(/^Lease\.coordination\.k8s\.io /);
  });

  it('checks an old-style Event only for its involved object’s namespace, not its name', async () => {
    const EVENTS = '/api/v1/namespaces/default/events';
    const elsewhere = await apiRequest(cluster, 'POST', EVENTS, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name}.1` },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' },
      },
    });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.message).toBe(
      `Event "${name}.1" is invalid: involvedObject.namespace: Invalid value: "other": does not match event.namespace`,
    );
    // core/v1 Events skip ObjectMeta validation: a name that is no DNS subdomain is fine.
    const oddName = await apiRequest(cluster, 'POST', EVENTS, {
      body: { apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.Odd_Name` } },
    });
    expect(oddName.status).toBe(201);
  });
});

describe('lists', () => {
  it('pages with limit and continue', async () => {
    for (let i = 0; i < 5; i++)
      cluster.seed('', 'configmaps', 'bookinfo', { metadata: { name: `${name}-${i}` } });
    const names: string[] = [];
    let path = '/api/v1/namespaces/bookinfo/configmaps?limit=2';
    let pages = 0;
    for (;;) {
      const page = await apiRequest(cluster, 'GET', path);
      pages++;
      names.push(...page.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      const next = page.body.metadata.continue;
      if (!next) break;
      expect(page.body.metadata.remainingItemCount).toBeGreaterThan(0);
      path = `/api/v1/namespaces/bookinfo/configmaps?limit=2&continue=${encodeURIComponent(next)}`;
    }
    expect(pages).toBe(3);
    expect(names.filter((n) => n.startsWith(name))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${name}-${i}`),
    );
  });

  it('selects by field across namespaces', async () => {
    cluster.seed('', 'pods', 'bookinfo', {
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'i' }] },
      status: { phase: 'Running' },
    });
    const running = await apiRequest(
      cluster,
      'GET',
      `/api/v1/pods?fieldSelector=status.phase%3DRunning,metadata.name%3D${name}`,
    );
    expect(
      running.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`),
    ).toEqual([`bookinfo/${name}`]);
    const unsupported = await apiRequest(
      cluster,
      'GET',
      '/api/v1/pods?fieldSelector=spec.image%3Dx',
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.message).toBe('field label not supported: spec.image');
  });

  it('lists 10,000 pods quickly enough for kubectl', async () => {
    const pods = typeOf(cluster.registry, '', 'pods');
    cluster.seed('', 'namespaces', undefined, { metadata: { name: 'bulk' } });
    for (let i = 0; i < 10_000; i++) {
      cluster.store.create(pods, 'bulk', {
        metadata: { name: `p-${i}`, labels: { app: i % 2 === 0 ? 'even' : 'odd' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      });
    }
    const all = await apiRequest(cluster, 'GET', '/api/v1/namespaces/bulk/pods');
    expect(all.body.items).toHaveLength(10_000);
    const even = await apiRequest(
      cluster,
      'GET',
      '/api/v1/namespaces/bulk/pods?labelSelector=app%3Deven',
    );
    expect(even.body.items).toHaveLength(5_000);
  });
});

describe('tables', () => {
  it('renders CRD printer columns and built-in columns for kubectl get', async () => {
    await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const accept =
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const table = await apiRequest(
      cluster,
      'GET',
      `${VS_PATH}?fieldSelector=metadata.name%3D${name}`,
      { accept },
    );
    expect(table.body.kind).toBe('Table');
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Gateways',
      'Hosts',
      'Age',
    ]);
    expect(table.body.rows[0].cells.slice(0, 3)).toEqual([name, null, '["reviews"]']);
    expect(table.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      metadata: { name },
    });

    cluster.seed('', 'pods', 'default', {
      metadata: { name },
      spec: {
        containers: [
          { name: 'c', image: 'i' },
          { name: 'd', image: 'i' },
        ],
        nodeName: 'node-1',
      },
      status: {
        phase: 'Running',
        podIP: '10.1.0.4',
        containerStatuses: [
          { name: 'c', ready: true, restartCount: 2, state: { running: {} } },
          {
            name: 'd',
            ready: false,
            restartCount: 1,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    });
    const pod = await apiRequest(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`, {
      accept,
    });
    expect(pod.body.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
    ]);
    expect(pod.body.rows[0].cells.slice(0, 4)).toEqual([name, '1/2', 'CrashLoopBackOff', '3']);
    expect(pod.body.rows[0].cells.slice(5, 7)).toEqual(['10.1.0.4', 'node-1']);
  });
});

describe('deletion', () => {
  it('keeps an object with finalizers until the last finalizer is removed', async () => {
    const body = virtualService(name);
    (body.metadata as Record<string, unknown>).finalizers = ['example.com/hold'];
    await apiRequest(cluster, 'POST', VS_PATH, { body });
    const deleting = await apiRequest(cluster, 'DELETE', `${VS_PATH}/${name}`);
    expect(deleting.status).toBe(200);
    expect(deleting.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleting.body.metadata.deletionGracePeriodSeconds).toBe(0);
    expect((await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`)).status).toBe(200);
    const released = await apiRequest(cluster, 'PATCH', `${VS_PATH}/${name}`, {
      body: { metadata: { finalizers: null } },
      contentType: 'application/merge-patch+json',
    });
    expect(released.status).toBe(200);
    expect((await apiRequest(cluster, 'GET', `${VS_PATH}/${name}`)).status).toBe(404);
  });

  it('terminates scheduled pods gracefully and deletes unscheduled ones at once', async () => {
    const podBody = (podName: string, nodeName?: string): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName },
      spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) },
    });
    await apiRequest(cluster, 'POST', '/api/v1/namespaces/default/pods', {
      body: podBody(name, 'node-1'),
    });
    const graceful = await apiRequest(cluster, 'DELETE', `/api/v1/namespaces/default/pods/${name}`);
    expect(graceful.body.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(
      (await apiRequest(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`)).status,
    ).toBe(200);
    const forced = await apiRequest(
      cluster,
      'DELETE',
      `/api/v1/namespaces/default/pods/${name}?gracePeriodSeconds=0`,
    );
    expect(forced.status).toBe(200);
    expect(
      (await apiRequest(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}`)).status,
    ).toBe(404);

    await apiRequest(cluster, 'POST', '/api/v1/namespaces/default/pods', {
      body: podBody(`${name}-u`),
    });
    await apiRequest(cluster, 'DELETE', `/api/v1/namespaces/default/pods/${name}-u`);
    expect(
      (await apiRequest(cluster, 'GET', `/api/v1/namespaces/default/pods/${name}-u`)).status,
    ).toBe(404);
  });

  it('lets a repeated delete shorten the grace period, never lengthen it', async () => {
    await apiRequest(cluster, 'POST', '/api/v1/namespaces/default/pods', {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'slow' },
        spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
      },
    });
    const first = await apiRequest(
      cluster,
      'DELETE',
      '/api/v1/namespaces/default/pods/slow?gracePeriodSeconds=60',
    );
    expect(first.body.metadata.deletionGracePeriodSeconds).toBe(60);
    const longer = await apiRequest(
      cluster,
      'DELETE',
      '/api/v1/namespaces/default/pods/slow?gracePeriodSeconds=120',
    );
    expect(longer.body.metadata.deletionGracePeriodSeconds).toBe(60);
    const shorter = await apiRequest(
      cluster,
      'DELETE',
      '/api/v1/namespaces/default/pods/slow?gracePeriodSeconds=5',
    );
    expect(shorter.body.metadata.deletionGracePeriodSeconds).toBe(5);
  });

  it('honours preconditions', async () => {
    const created = await apiRequest(cluster, 'POST', VS_PATH, { body: virtualService(name) });
    const wrong = await apiRequest(cluster, 'DELETE', `${VS_PATH}/${name}`, {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        preconditions: { uid: 'nope' },
        propagationPolicy: 'Foreground',
      },
    });
    expect(wrong.status).toBe(409);
    // rest.BeforeDelete's wording, naming the kind.
    expect(wrong.body.message).toBe(
      `Operation cannot be fulfilled on VirtualService.networking.istio.io "${name}": the UID in the precondition (nope) does not match the UID in record (${created.body.metadata.uid}). The object might have been deleted and then recreated`,
    );
    expect(wrong.body.details).toEqual({
      name,
      group: 'networking.istio.io',
      kind: 'VirtualService',
    });
    const right = await apiRequest(cluster, 'DELETE', `${VS_PATH}/${name}`, {
      body: {
        preconditions: {
          uid: created.body.metadata.uid,
          resourceVersion: created.body.metadata.resourceVersion,
        },
        propagationPolicy: 'Background',
      },
    });
    expect(right.status).toBe(200);
    const badPolicy = await apiRequest(
      cluster,
      'DELETE',
      `${VS_PATH}/x?propagationPolicy=Sometimes`,
    );
    expect(badPolicy.status).toBe(422);
  });
});
