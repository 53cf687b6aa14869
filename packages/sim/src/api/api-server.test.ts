import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './__fixtures__/api-client.js';
import { startTestCluster, type TestCluster } from './__fixtures__/api-test-cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster.stop();
});

describe('authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token'],
  ])('answers 401 with a Status for %s, on every path', async (_label, token) => {
    for (const path of [
      '/api',
      '/version',
      '/apis/apps/v1/namespaces/default/deployments',
      '/openapi/v3',
      '/nonexistent',
    ]) {
      const reply = await apiRequest(cluster, 'GET', path, { token });
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
      expect(reply.text).not.toContain(cluster.token);
    }
  });

  it('accepts the right token', async () => {
    const reply = await apiRequest(cluster, 'GET', '/version');
    expect(reply.status).toBe(200);
    expect(reply.body.major).toBe('1');
  });
});

describe('legacy discovery', () => {
  it('serves /api, /apis and /apis/<group>', async () => {
    const api = await apiRequest(cluster, 'GET', '/api');
    expect(api.body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });

    const apis = await apiRequest(cluster, 'GET', '/apis');
    expect(apis.body.kind).toBe('APIGroupList');
    const networking = apis.body.groups.find(
      (g: { name: string }) => g.name === 'networking.istio.io',
    );
    expect(networking.versions.map((v: { version: string }) => v.version)).toEqual([
      'v1',
      'v1beta1',
      'v1alpha3',
    ]);
    expect(networking.preferredVersion).toEqual({
      groupVersion: 'networking.istio.io/v1',
      version: 'v1',
    });

    const group = await apiRequest(cluster, 'GET', '/apis/apps');
    expect(group.body).toMatchObject({
      kind: 'APIGroup',
      name: 'apps',
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
  });

  it('lists resources with subresources, short names, categories and verbs', async () => {
    const apps = await apiRequest(cluster, 'GET', '/apis/apps/v1');
    const byName = new Map<string, any>(
      apps.body.resources.map((r: { name: string }) => [r.name, r]),
    );
    expect(byName.get('deployments')).toMatchObject({
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      verbs: expect.arrayContaining([
        'get',
        'list',
        'watch',
        'create',
        'update',
        'patch',
        'delete',
      ]),
    });
    expect(byName.get('deployments/status')).toMatchObject({
      kind: 'Deployment',
      verbs: ['get', 'patch', 'update'],
    });
    expect(byName.get('deployments/scale')).toMatchObject({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
    });

    const core = await apiRequest(cluster, 'GET', '/api/v1');
    const pods = new Map<string, any>(
      core.body.resources.map((r: { name: string }) => [r.name, r]),
    );
    expect(pods.get('pods/portforward')).toMatchObject({
      kind: 'PodPortForwardOptions',
      verbs: ['create', 'get'],
    });
    expect(pods.get('pods/proxy')).toMatchObject({ kind: 'PodProxyOptions' });
    expect(pods.get('namespaces')).toMatchObject({ namespaced: false });

    const istio = await apiRequest(cluster, 'GET', '/apis/networking.istio.io/v1beta1');
    const vs = istio.body.resources.find((r: { name: string }) => r.name === 'virtualservices');
    expect(vs).toMatchObject({
      kind: 'VirtualService',
      shortNames: ['vs'],
      categories: ['istio-io', 'networking-istio-io'],
    });
  });
});

describe('aggregated discovery', () => {
  const accept =
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

  it('answers kubectl’s Accept header with an APIGroupDiscoveryList', async () => {
    const reply = await apiRequest(cluster, 'GET', '/apis', { accept });
    expect(reply.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    expect(reply.body.kind).toBe('APIGroupDiscoveryList');
    const apps = reply.body.items.find(
      (i: { metadata: { name: string } }) => i.metadata.name === 'apps',
    );
    const deployments = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    expect(deployments).toMatchObject({
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
    });
    expect(deployments.subresources.map((s: { subresource: string }) => s.subresource)).toEqual([
      'scale',
      'status',
    ]);

    const core = await apiRequest(cluster, 'GET', '/api', { accept });
    expect(core.body.items).toHaveLength(1);
    expect(core.body.items[0].versions[0].version).toBe('v1');
  });

  it('falls back to the legacy document for plain JSON', async () => {
    const reply = await apiRequest(cluster, 'GET', '/apis', { accept: 'application/json' });
    expect(reply.body.kind).toBe('APIGroupList');
  });
});

describe('OpenAPI', () => {
  type Json = Record<string, any>;

  it('documents every served group-version: fieldValidation on each PATCH, CRD schemas', async () => {
    const index = await apiRequest(cluster, 'GET', '/openapi/v3');
    expect(Object.keys(index.body.paths)).toEqual(
      expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/networking.istio.io/v1']),
    );
    const entry = index.body.paths['apis/networking.istio.io/v1'];
    expect(entry.serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/networking\.istio\.io\/v1\?hash=[0-9A-F]+$/,
    );
    const istio = (await apiRequest(cluster, 'GET', entry.serverRelativeURL)).body as Json;
    const patch =
      istio.paths['/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}']
        .patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'networking.istio.io',
      kind: 'VirtualService',
      version: 'v1',
    });
    expect(patch.parameters).toContainEqual(
      expect.objectContaining({ name: 'fieldValidation', in: 'query' }),
    );
    const schema = istio.components.schemas['io.istio.networking.v1.VirtualService'];
    expect(schema['x-kubernetes-group-version-kind']).toEqual([
      { group: 'networking.istio.io', kind: 'VirtualService', version: 'v1' },
    ]);
    expect(schema.properties.metadata.allOf).toEqual([
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);

    const core = (await apiRequest(cluster, 'GET', '/openapi/v3/api/v1')).body as Json;
    const namespaces = core.paths['/api/v1/namespaces/{name}'].patch;
    expect(namespaces['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      kind: 'Namespace',
      version: 'v1',
    });
    // No strategic merge patch listed: kubectl computes those from its compiled-in types.
    expect(Object.keys(namespaces.requestBody.content)).toEqual([
      'application/json-patch+json',
      'application/merge-patch+json',
    ]);
    expect(Object.keys(core.components.schemas)).toEqual([
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    ]);
    expect((await apiRequest(cluster, 'GET', '/openapi/v3/apis/nosuch.io/v1')).status).toBe(404);
    expect((await apiRequest(cluster, 'GET', '/openapi/v2')).status).toBe(404);
  });
});

describe('paths that name nothing', () => {
  it('answers a Status 404 for an unknown resource in a served group version', async () => {
    const reply = await apiRequest(cluster, 'GET', '/apis/apps/v1/namespaces/default/widgets');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
  });

  it('answers "404 page not found" for what no CRD serves in a CRD group, as apiextensions does', async () => {
    for (const path of [
      '/apis/networking.istio.io/v1/namespaces/default/widgets',
      // A namespaced resource addressed by name without a namespace.
      '/apis/networking.istio.io/v1/virtualservices/reviews',
    ]) {
      const reply = await apiRequest(cluster, 'GET', path);
      expect(reply.status).toBe(404);
      expect(reply.text).toBe('404 page not found\n');
    }
    // An unknown subresource of a custom resource is the object's NotFound.
    const subresource = await apiRequest(
      cluster,
      'GET',
      '/apis/networking.istio.io/v1/namespaces/default/virtualservices/reviews/frobnicate',
    );
    expect(subresource.body).toMatchObject({
      reason: 'NotFound',
      message: 'virtualservices.networking.istio.io "reviews" not found',
      details: { name: 'reviews', group: 'networking.istio.io', kind: 'virtualservices' },
    });
  });

  it('answers "404 page not found" outside the API', async () => {
    const reply = await apiRequest(cluster, 'GET', '/apis/nonexistent.io/v1/things');
    expect(reply.status).toBe(404);
    expect(reply.text).toBe('404 page not found\n');
  });

  it('answers 405 for verbs a path does not support', async () => {
    const reply = await apiRequest(cluster, 'PUT', '/apis/apps/v1/namespaces/default/deployments', {
      body: {},
    });
    expect(reply.status).toBe(405);
    expect(reply.body).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
    expect((await apiRequest(cluster, 'POST', '/apis', { body: {} })).status).toBe(405);
  });
});
