import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../store/resource-types.js';
import { createIstioAdmission } from './istio-admission.js';
import { compileSchema } from './structural-schema.js';
import { validateListTypes } from './list-type-validation.js';

const admission = createIstioAdmission();
const typeOf = (kind: string): ResourceType => {
  const type = admission.catalog.resourceTypes().find((t) => t.kind === kind);
  if (!type) throw new Error(`no type ${kind}`);
  return type;
};

function validate(kind: string, spec: Record<string, unknown>) {
  const type = typeOf(kind);
  const result = admission.validateSchema(
    type,
    'v1',
    {
      apiVersion: `${type.group}/v1`,
      kind,
      metadata: { name: 'x', namespace: 'bookinfo' },
      spec,
    },
    'Strict',
  );
  if (!result) throw new Error('no schema');
  return result.problems;
}

describe('list-type invariants', () => {
  it('accepts a ServiceEntry whose ports have distinct names and numbers', () => {
    expect(
      validate('ServiceEntry', {
        hosts: ['api.example.com'],
        ports: [
          { number: 80, name: 'http', protocol: 'HTTP' },
          { number: 443, name: 'https', protocol: 'HTTPS' },
        ],
        resolution: 'DNS',
      }),
    ).toEqual([]);
  });

  it('reports a repeated map-list key at its index, then still runs the CEL rules', () => {
    expect(
      validate('ServiceEntry', {
        hosts: ['api.example.com'],
        ports: [
          { number: 80, name: 'http', protocol: 'HTTP' },
          { number: 80, name: 'http', protocol: 'HTTP' },
        ],
        resolution: 'DNS',
      }),
    ).toEqual([
      {
        type: 'FieldValueDuplicate',
        field: 'spec.ports[1]',
        message: 'Duplicate value: map[string]interface {}{"name":"http"}',
      },
      {
        type: 'FieldValueInvalid',
        field: 'spec.ports',
        message: expect.stringContaining('port number cannot be duplicated'),
      },
    ]);
  });

  it('checks sets of scalars and map lists with several keys', () => {
    const schema = compileSchema({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        rules: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: {
            type: 'object',
            properties: { port: { type: 'integer' }, protocol: { type: 'string' } },
          },
        },
      },
    });
    expect(
      validateListTypes(schema, {
        tags: ['a', 'b', 'a'],
        rules: [
          { port: 80, protocol: 'TCP' },
          { port: 80, protocol: 'UDP' },
          { port: 80, protocol: 'TCP' },
        ],
      }),
    ).toEqual([
      { type: 'FieldValueDuplicate', field: 'tags[2]', message: 'Duplicate value: "a"' },
      {
        type: 'FieldValueDuplicate',
        field: 'rules[2]',
        message: 'Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}',
      },
    ]);
  });

  it('validates PeerAuthentication port-level mTLS with its CEL rules', () => {
    expect(
      validate('PeerAuthentication', {
        selector: { matchLabels: { app: 'reviews' } },
        mtls: { mode: 'STRICT' },
        portLevelMtls: { '9080': { mode: 'DISABLE' } },
      }),
    ).toEqual([]);
    expect(
      validate('PeerAuthentication', {
        mtls: { mode: 'STRICT' },
        portLevelMtls: { '9080': { mode: 'DISABLE' } },
      }),
    ).toEqual([
      expect.objectContaining({
        type: 'FieldValueInvalid',
        field: 'spec',
        message: expect.stringContaining('portLevelMtls requires selector'),
      }),
    ]);
    expect(validate('PeerAuthentication', { mtls: { mode: 'SOMETIMES' } })).toEqual([
      expect.objectContaining({ type: 'FieldValueNotSupported', field: 'spec.mtls.mode' }),
      expect.objectContaining({
        field: '<nil>',
        message: expect.stringContaining('rules were not checked'),
      }),
    ]);
  });
});
