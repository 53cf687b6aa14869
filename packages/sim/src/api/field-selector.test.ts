import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.js';
import { testRegistry, typeOf } from './__fixtures__/api-test-cluster.js';
import { compileFieldSelector, FieldSelectorError, parseFieldSelector } from './field-selector.js';

const registry = testRegistry();
const pods = typeOf(registry, '', 'pods');
const events = typeOf(registry, '', 'events');
const virtualServices = typeOf(registry, 'networking.istio.io', 'virtualservices');

function object(
  fields: { metadata: { name: string; namespace: string } } & Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'X',
    ...fields,
    metadata: { uid: 'u', resourceVersion: '1', creationTimestamp: '', ...fields.metadata },
  };
}

describe('field selectors', () => {
  it('parses =, == and != terms with escapes', () => {
    expect(
      parseFieldSelector('metadata.name=a\\,b,status.phase!=Running,metadata.namespace==ns'),
    ).toEqual([
      { field: 'metadata.name', negated: false, value: 'a,b' },
      { field: 'status.phase', negated: true, value: 'Running' },
      { field: 'metadata.namespace', negated: false, value: 'ns' },
    ]);
    expect(() => parseFieldSelector('metadata.name')).toThrow(FieldSelectorError);
  });

  it('selects pods by name, namespace and status.phase', () => {
    const running = object({
      metadata: { name: 'a', namespace: 'shop' },
      status: { phase: 'Running' },
    });
    const pending = object({
      metadata: { name: 'b', namespace: 'shop' },
      status: { phase: 'Pending' },
    });
    const filter = compileFieldSelector(
      pods,
      parseFieldSelector('status.phase=Running,metadata.namespace=shop'),
    );
    expect([running, pending].filter((o) => filter?.(o))).toEqual([running]);
    const notA = compileFieldSelector(pods, parseFieldSelector('metadata.name!=a'));
    expect([running, pending].filter((o) => notA?.(o))).toEqual([pending]);
  });

  it('selects events by involvedObject, the way kubectl describe asks', () => {
    const event = object({
      metadata: { name: 'e1', namespace: 'shop' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'shop', uid: 'd-1' },
    });
    const other = object({
      metadata: { name: 'e2', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'shop', uid: 'p-1' },
    });
    const filter = compileFieldSelector(
      events,
      parseFieldSelector(
        'involvedObject.uid=d-1,involvedObject.name=web,involvedObject.namespace=shop,involvedObject.kind=Deployment',
      ),
    );
    expect([event, other].filter((o) => filter?.(o))).toEqual([event]);
  });

  it('rejects fields the type does not support, worded per built-in or custom resource', () => {
    expect(() => compileFieldSelector(pods, parseFieldSelector('spec.foo=1'))).toThrow(
      'field label not supported: spec.foo',
    );
    expect(() => compileFieldSelector(virtualServices, parseFieldSelector('spec.hosts=x'))).toThrow(
      '"spec.hosts" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });
});
