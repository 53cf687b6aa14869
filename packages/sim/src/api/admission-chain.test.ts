import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionOperation } from '../store/admission.js';
import type { ResourceType } from '../store/resource-types.js';
import { apiRequest } from './__fixtures__/api-client.js';
import {
  startTestCluster,
  TestAdmission,
  type TestCluster,
} from './__fixtures__/api-test-cluster.js';

/** An admission whose webhook also warns, as Istio's does (e.g. about deprecated fields). */
class WarningAdmission extends TestAdmission {
  reviewWebhooks(
    type: ResourceType,
    operation: AdmissionOperation,
    object: Record<string, unknown>,
  ) {
    const spec = (object.spec ?? {}) as { warn?: string; deny?: unknown };
    return {
      denial: this.validateWebhooks(type, operation, object),
      warnings: spec.warn ? [`webhook says: ${spec.warn}`] : [],
    };
  }
}

let cluster: TestCluster;
const VS = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';

beforeAll(async () => {
  cluster = await startTestCluster({ admission: new WarningAdmission() });
});
afterAll(async () => {
  await cluster.stop();
});

describe('webhook warnings', () => {
  it('relays webhook warnings on admitted writes next to pruning warnings', async () => {
    const reply = await apiRequest(cluster, 'POST', VS, {
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'warned' },
        spec: { hosts: ['r'], warn: 'careful', bogus: true },
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.warning).toBe(
      '299 - "unknown field \\"spec.bogus\\"", 299 - "webhook says: careful"',
    );
  });

  it('keeps the warnings on a denial', async () => {
    const reply = await apiRequest(cluster, 'POST', VS, {
      body: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'denied' },
        spec: { hosts: ['r'], warn: 'last chance', deny: true },
      },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toBe(
      'admission webhook "validation.istio.io" denied the request: configuration is invalid: denied by test',
    );
    expect(reply.headers.warning).toBe('299 - "webhook says: last chance"');
  });
});
