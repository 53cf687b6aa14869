import { describe, expect, it } from 'vitest';
import { inboundPorts, meshServiceFromObject, type MeshService } from './mesh-service.js';

function service(name: string, namespace: string, spec: Record<string, unknown>): MeshService {
  return meshServiceFromObject({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: name, resourceVersion: '1', creationTimestamp: '' },
    spec,
  }) as MeshService;
}

describe('inboundPorts', () => {
  const pod = {
    namespace: 'bookinfo',
    labels: { app: 'reviews', version: 'blue' },
    containerPorts: { web: 8080 },
  };

  it('takes the target ports of the Services selecting the pod in its namespace', () => {
    const services = [
      service('reviews', 'bookinfo', {
        selector: { app: 'reviews' },
        ports: [
          { name: 'http', port: 9080, targetPort: 9080 },
          { name: 'http-alt', port: 80, targetPort: 'web' },
          { name: 'grpc', port: 7070 },
        ],
      }),
      // Same labels in another namespace, a selector that does not match, none at all.
      service('reviews', 'shop', { selector: { app: 'reviews' }, ports: [{ port: 1111 }] }),
      service('ratings', 'bookinfo', { selector: { app: 'ratings' }, ports: [{ port: 2222 }] }),
      service('external', 'bookinfo', { ports: [{ port: 3333 }] }),
      // A named target port the pod does not have is left out.
      service('admin', 'bookinfo', {
        selector: { version: 'blue' },
        ports: [{ port: 9090, targetPort: 'admin' }, { port: 9080 }],
      }),
    ];
    expect(inboundPorts(services, pod)).toEqual([7070, 8080, 9080]);
  });
});
