import { describe, expect, it } from 'vitest';
import { createIstioAdmission } from './istio-admission.js';

const admission = createIstioAdmission();

type Json = Record<string, any>;

describe('OpenAPI v3 documents', () => {
  it('lists every served group-version', () => {
    expect(admission.openApiV3Paths()).toEqual([
      'apis/networking.istio.io/v1',
      'apis/networking.istio.io/v1alpha3',
      'apis/networking.istio.io/v1beta1',
      'apis/security.istio.io/v1',
      'apis/security.istio.io/v1beta1',
    ]);
  });

  it('answers only for groups it serves', () => {
    expect(admission.openApiV3('apps', 'v1')).toBeUndefined();
    expect(admission.openApiV3('networking.istio.io', 'v2')).toBeUndefined();
  });

  it('holds each kind and list kind under its reversed-group name, with type meta and a metadata reference', () => {
    const doc = admission.openApiV3('networking.istio.io', 'v1') as Json;
    expect(doc.openapi).toBe('3.0.0');
    const schemas = doc.components.schemas as Json;
    for (const kind of ['VirtualService', 'DestinationRule', 'Gateway']) {
      const schema = schemas[`io.istio.networking.v1.${kind}`];
      expect(schema['x-kubernetes-group-version-kind']).toEqual([
        { group: 'networking.istio.io', kind, version: 'v1' },
      ]);
      expect(schema.properties.apiVersion.type).toBe('string');
      expect(schema.properties.kind.type).toBe('string');
      expect(schema.properties.metadata.allOf).toEqual([
        { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
      ]);
      expect(schema.properties.spec).toBeDefined();
      expect(schemas[`io.istio.networking.v1.${kind}List`].properties.items.items).toEqual({
        $ref: `#/components/schemas/io.istio.networking.v1.${kind}`,
      });
    }
    expect(
      schemas['io.istio.networking.v1.VirtualService'].properties.spec.properties.http.items
        .properties.timeout['x-kubernetes-validations'],
    ).toEqual([
      {
        message: 'must be a valid duration greater than 1ms',
        rule: "duration(self) >= duration('1ms')",
      },
    ]);
    expect(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.name).toEqual({
      type: 'string',
    });
  });

  it('advertises fieldValidation on the PATCH operation kubectl inspects', () => {
    const doc = admission.openApiV3('networking.istio.io', 'v1') as Json;
    const item = doc.paths[
      '/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}'
    ] as Json;
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'networking.istio.io',
      kind: 'VirtualService',
      version: 'v1',
    });
    expect(item.patch.operationId).toBe('patchNetworkingIstioIoV1NamespacedVirtualService');
    expect((item.patch.parameters as { name: string }[]).map((p) => p.name)).toEqual([
      'dryRun',
      'fieldManager',
      'fieldValidation',
      'force',
    ]);
    expect(Object.keys(item.patch.requestBody.content)).toEqual([
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/apply-patch+yaml',
    ]);
    expect(Object.keys(doc.paths)).toContain('/apis/networking.istio.io/v1/virtualservices');
    expect(Object.keys(doc.paths)).toContain(
      '/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}/status',
    );
  });

  it('hands out copies, so a caller cannot corrupt later answers', () => {
    const first = admission.openApiV3('networking.istio.io', 'v1beta1') as Json;
    first.components.schemas = {};
    const second = admission.openApiV3('networking.istio.io', 'v1beta1') as Json;
    expect(Object.keys(second.components.schemas)).toContain('io.istio.networking.v1beta1.Gateway');
  });
});
