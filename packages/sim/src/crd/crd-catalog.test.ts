import { describe, expect, it } from 'vitest';
import { CrdCatalog, loadIstioCrds } from './crd-catalog.js';
import { UnknownRuleError } from './crd-rules.js';
import { UnsupportedSchemaError } from './structural-schema.js';

function crdWith(specSchema: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema } } },
        },
      ],
    },
  };
}

describe('CrdCatalog', () => {
  it('loads the Istio networking and policy CRDs with v1 preferred', () => {
    expect(loadIstioCrds().map((crd) => (crd.metadata as { name: string }).name)).toEqual([
      'destinationrules.networking.istio.io',
      'gateways.networking.istio.io',
      'virtualservices.networking.istio.io',
      'serviceentries.networking.istio.io',
      'peerauthentications.security.istio.io',
    ]);
    const types = CrdCatalog.istio().resourceTypes();
    expect(types.map((t) => [t.kind, t.plural, t.versions, t.shortNames])).toEqual([
      ['DestinationRule', 'destinationrules', ['v1', 'v1alpha3', 'v1beta1'], ['dr']],
      ['Gateway', 'gateways', ['v1', 'v1alpha3', 'v1beta1'], ['gw']],
      ['VirtualService', 'virtualservices', ['v1', 'v1alpha3', 'v1beta1'], ['vs']],
      ['ServiceEntry', 'serviceentries', ['v1', 'v1alpha3', 'v1beta1'], ['se']],
      ['PeerAuthentication', 'peerauthentications', ['v1', 'v1beta1'], ['pa']],
    ]);
    expect(types.every((t) => !t.builtin && t.subresources.includes('status'))).toBe(true);
  });

  it('compiles a version per served name', () => {
    const catalog = CrdCatalog.istio();
    expect(catalog.version('networking.istio.io', 'virtualservices', 'v1beta1')).toMatchObject({
      kind: 'VirtualService',
      hasRules: true,
      statusSubresource: true,
    });
    expect(catalog.version('networking.istio.io', 'virtualservices', 'v2')).toBeUndefined();
  });

  it('refuses, at load, a rule it does not know, naming the CRD and the rule', () => {
    const crd = crdWith({
      type: 'string',
      'x-kubernetes-validations': [{ rule: 'self.lowerAscii() == "a"', message: 'must be a' }],
    });
    expect(() => new CrdCatalog([crd])).toThrow(UnknownRuleError);
    expect(() => new CrdCatalog([crd])).toThrow(
      'CRD widgets.example.com: the x-kubernetes-validations rule "self.lowerAscii() == \\"a\\"" (at v1.properties.spec) is not one the simulator implements; add it to packages/sim/src/crd/crd-rules.ts',
    );
  });

  it('refuses, at load, schema keywords it does not implement', () => {
    for (const unsupported of [
      { type: 'string', default: 'x' },
      { type: 'string', pattern: '^a' },
      { type: 'string', format: 'email' },
      { type: 'array', uniqueItems: true },
    ])
      expect(() => new CrdCatalog([crdWith(unsupported)])).toThrow(UnsupportedSchemaError);
    expect(
      () =>
        new CrdCatalog([
          crdWith({ type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } }),
        ]),
    ).toThrow(UnsupportedSchemaError);
  });
});
