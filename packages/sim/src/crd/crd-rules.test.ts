import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../store/resource-types.js';
import { loadIstioCrds } from './crd-catalog.js';
import { ruleCheck } from './crd-rules.js';
import { createIstioAdmission } from './istio-admission.js';

const admission = createIstioAdmission();

function problems(kind: string, spec: Record<string, unknown>) {
  const type = admission.catalog.resourceTypes().find((t) => t.kind === kind) as ResourceType;
  const object = {
    apiVersion: `${type.group}/v1`,
    kind,
    metadata: { name: 'x', namespace: 'bookinfo' },
    spec,
  };
  return admission.validateSchema(type, 'v1', object, 'Strict')?.problems;
}

/** Every `x-kubernetes-validations` rule source in the shipped CRDs. */
function shippedRules(): string[] {
  const rules = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations')
        for (const entry of value as { rule: string }[]) rules.add(entry.rule);
      else walk(value);
    }
  };
  walk(loadIstioCrds());
  return [...rules];
}

describe('the CRD rules', () => {
  it('knows every rule of the shipped CRDs', () => {
    const rules = shippedRules();
    expect(rules.length).toBe(21);
    for (const rule of rules) expect(() => ruleCheck(rule, 'x/v1')).not.toThrow();
  });

  it('checks durations, reporting a string that is none as an evaluation error', () => {
    const route = (extra: Record<string, unknown>) => ({
      hosts: ['reviews'],
      http: [{ route: [{ destination: { host: 'reviews' } }], ...extra }],
    });
    expect(problems('VirtualService', route({ timeout: '1ms' }))).toEqual([]);
    expect(problems('VirtualService', route({ timeout: '999us' }))).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.http[0].timeout',
        message: 'Invalid value: "999us": must be a valid duration greater than 1ms',
      },
    ]);
    expect(problems('VirtualService', route({ timeout: 'soon' }))).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.http[0].timeout',
        message:
          "Invalid value: \"string\": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms",
      },
    ]);
  });

  it('checks label selectors: empty keys, wildcard keys and values', () => {
    expect(
      problems('DestinationRule', {
        host: 'reviews',
        workloadSelector: { matchLabels: { '': 'a', b: 'c*' } },
      }),
    ).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.workloadSelector.matchLabels',
        message: 'Invalid value: key must not be empty',
      },
      {
        type: 'FieldValueInvalid',
        field: 'spec.workloadSelector.matchLabels[b]',
        message: 'Invalid value: "c*": wildcard not allowed in label value match',
      },
    ]);
  });

  it('checks a ServiceEntry: resolution against addresses and endpoints, wildcard hosts, UDS, ports', () => {
    const fields = (spec: Record<string, unknown>) =>
      problems('ServiceEntry', spec)?.map((p) => [
        p.field,
        p.message.replace(/^Invalid value: /, ''),
      ]);
    expect(
      fields({
        hosts: ['api.example.com'],
        ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }],
        resolution: 'DNS',
      }),
    ).toEqual([]);
    expect(
      fields({
        hosts: ['*'],
        addresses: ['10.0.0.0/8'],
        resolution: 'DNS_ROUND_ROBIN',
        endpoints: [{ address: 'a.example.com' }, { address: 'b.example.com' }],
        workloadSelector: { labels: { app: 'x' } },
      }),
    ).toEqual([
      ['spec', 'only one of WorkloadSelector or Endpoints can be set'],
      ['spec', 'CIDR addresses are allowed only for NONE/STATIC resolution types'],
      ['spec', 'DNS_ROUND_ROBIN mode cannot have multiple endpoints'],
      ['spec.hosts[0]', '"*": hostname cannot be wildcard'],
    ]);
    expect(
      fields({
        hosts: ['uds.example.com'],
        resolution: 'STATIC',
        endpoints: [{ address: 'unix://relative', ports: { http: 80 } }, { network: 'n1' }, {}],
      }),
    ).toEqual([
      ['spec.endpoints[0]', 'UDS may not include ports'],
      [
        'spec.endpoints[0].address',
        '"unix://relative": UDS must be an absolute path or abstract socket',
      ],
      ['spec.endpoints[2]', 'Address is required'],
    ]);
    expect(fields({ hosts: ['a.example.com'], endpoints: [{ address: 'unix:///dir/' }] })).toEqual([
      ['spec', 'NONE mode cannot set endpoints'],
      ['spec.endpoints[0].address', '"unix:///dir/": UDS may not be a dir'],
    ]);
    expect(
      fields({
        hosts: ['a.example.com'],
        resolution: 'STATIC',
        endpoints: [{ address: '10.0.0.1', ports: { bad_name: 80, http: 0 } }],
      }),
    ).toEqual([
      ['spec.endpoints[0].ports', 'port name must be valid'],
      ['spec.endpoints[0].ports[http]', '0: port must be between 1-65535'],
    ]);
  });

  it('checks a PeerAuthentication’s port keys: a key that is no number fails unless another decides', () => {
    const ports = (portLevelMtls: Record<string, unknown>) =>
      problems('PeerAuthentication', {
        selector: { matchLabels: { app: 'reviews' } },
        portLevelMtls,
      });
    expect(ports({ '9080': { mode: 'DISABLE' } })).toEqual([]);
    expect(ports({ http: { mode: 'DISABLE' } })).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.portLevelMtls',
        message:
          'Invalid value: "object": strconv.ParseInt: parsing "http": invalid syntax evaluating rule: port must be between 1-65535',
      },
    ]);
    // CEL's all(): a false item decides, whatever the order of the keys.
    expect(ports({ http: { mode: 'DISABLE' }, '70000': { mode: 'DISABLE' } })).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.portLevelMtls',
        message: 'Invalid value: port must be between 1-65535',
      },
    ]);
  });
});
