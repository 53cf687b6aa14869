import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.js';
import { destinationReporterLabels, sourceReporterLabels } from './istio-request-labels.js';
import { workloadMetadataOfPod, workloadNameOfPod } from './workload-metadata.js';

function pod(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  owner?: string,
  serviceAccountName?: string,
): Pick<KubeObject, 'metadata'> & { spec: Record<string, unknown> } {
  return {
    metadata: {
      name,
      namespace,
      uid: name,
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: owner,
                uid: 'o',
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: serviceAccountName ? { serviceAccountName } : {},
  };
}

const client = workloadMetadataOfPod(
  pod(
    'productpage-v1-6b746f74dc-9rlmh',
    'bookinfo',
    { app: 'productpage', version: 'v1', 'pod-template-hash': '6b746f74dc' },
    'productpage-v1-6b746f74dc',
    'bookinfo-productpage',
  ),
);
const server = workloadMetadataOfPod(
  pod(
    'reviews-green-5b7d6c9f4-x2k9p',
    'bookinfo',
    {
      app: 'reviews',
      version: 'v2',
      'app.kubernetes.io/version': '2.0.1',
      'pod-template-hash': '5b7d6c9f4',
    },
    'reviews-green-5b7d6c9f4',
  ),
);

describe('workload metadata', () => {
  it('names the Deployment as workload and follows Istio label fallbacks', () => {
    expect(client).toEqual({
      workload: 'productpage-v1',
      namespace: 'bookinfo',
      app: 'productpage',
      version: 'v1',
      canonicalService: 'productpage',
      canonicalRevision: 'v1',
      principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      cluster: 'Kubernetes',
    });
    // app.kubernetes.io/version wins over version; the service account defaults to default.
    expect(server).toMatchObject({
      workload: 'reviews-green',
      version: '2.0.1',
      canonicalRevision: '2.0.1',
      principal: 'spiffe://cluster.local/ns/bookinfo/sa/default',
    });
  });

  it('reads unknown and latest when labels are missing, canonical labels when present', () => {
    const bare = workloadMetadataOfPod(pod('worker-abc12', 'jobs', {}, undefined));
    expect(bare).toMatchObject({
      workload: 'worker-abc12',
      app: 'unknown',
      version: 'unknown',
      canonicalService: 'worker-abc12',
      canonicalRevision: 'latest',
    });
    const canonical = workloadMetadataOfPod(
      pod('x-1', 'ns', {
        app: 'a',
        'app.kubernetes.io/name': 'named',
        'service.istio.io/canonical-name': 'canon',
        'service.istio.io/canonical-revision': 'r7',
      }),
    );
    expect(canonical).toMatchObject({ canonicalService: 'canon', canonicalRevision: 'r7' });
    const k8sName = workloadMetadataOfPod(
      pod('x-1', 'ns', { app: 'a', 'app.kubernetes.io/name': 'named' }),
    );
    expect(k8sName.canonicalService).toBe('named');
  });

  it('keeps ReplicaSet names that do not end in the pod-template-hash', () => {
    expect(workloadNameOfPod(pod('rs-pod', 'ns', {}, 'standalone-rs'))).toBe('standalone-rs');
  });
});

describe('source reporter labels', () => {
  it('fills destination labels from the peer after a response over mTLS', () => {
    const labels = sourceReporterLabels({
      source: client,
      service: { kind: 'cluster', host: 'reviews.bookinfo.svc.cluster.local' },
      peer: { kind: 'peer', metadata: server },
      mutualTls: true,
      responseCode: 200,
      responseFlags: '-',
    });
    expect(labels).toEqual({
      reporter: 'source',
      source_workload: 'productpage-v1',
      source_workload_namespace: 'bookinfo',
      source_principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      source_app: 'productpage',
      source_version: 'v1',
      source_canonical_service: 'productpage',
      source_canonical_revision: 'v1',
      source_cluster: 'Kubernetes',
      destination_workload: 'reviews-green',
      destination_workload_namespace: 'bookinfo',
      destination_principal: 'spiffe://cluster.local/ns/bookinfo/sa/default',
      destination_app: 'reviews',
      destination_version: '2.0.1',
      destination_service: 'reviews.bookinfo.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'bookinfo',
      destination_canonical_service: 'reviews',
      destination_canonical_revision: '2.0.1',
      destination_cluster: 'Kubernetes',
      request_protocol: 'http',
      response_code: '200',
      grpc_response_status: '',
      response_flags: '-',
      connection_security_policy: 'unknown',
    });
  });

  it('labels a gRPC call by its protocol and grpc-status, a failed one with HTTP 200', () => {
    const failed = destinationReporterLabels({
      destination: server,
      source: client,
      serviceHost: 'reviews.bookinfo.svc.cluster.local',
      mutualTls: true,
      responseCode: 200,
      responseFlags: '-',
      requestProtocol: 'grpc',
      grpcStatus: 14,
    });
    expect(failed).toMatchObject({
      request_protocol: 'grpc',
      response_code: '200',
      grpc_response_status: '14',
    });
    const reset = sourceReporterLabels({
      source: client,
      service: { kind: 'cluster', host: 'reviews.bookinfo.svc.cluster.local' },
      peer: undefined,
      mutualTls: false,
      responseCode: 0,
      responseFlags: 'DC',
      requestProtocol: 'grpc',
      grpcStatus: undefined,
    });
    expect(reset).toMatchObject({
      request_protocol: 'grpc',
      response_code: '0',
      grpc_response_status: '',
    });
  });

  it('keeps only endpoint metadata after a failed connection (UF)', () => {
    const labels = sourceReporterLabels({
      source: client,
      service: { kind: 'cluster', host: 'reviews.bookinfo.svc.cluster.local' },
      peer: { kind: 'endpoint', metadata: server },
      mutualTls: false,
      responseCode: 503,
      responseFlags: 'UF,URX',
    });
    expect(labels).toMatchObject({
      source_principal: 'unknown',
      destination_workload: 'reviews-green',
      destination_workload_namespace: 'bookinfo',
      destination_app: 'unknown',
      destination_version: 'unknown',
      destination_principal: 'unknown',
      destination_canonical_service: 'reviews',
      destination_service_namespace: 'bookinfo',
      response_code: '503',
      response_flags: 'UF,URX',
    });
  });

  it('knows only the service after UH (its namespace from the cluster), and only the Host header after NC', () => {
    const uh = sourceReporterLabels({
      source: client,
      service: { kind: 'cluster', host: 'reviews.bookinfo.svc.cluster.local' },
      peer: undefined,
      mutualTls: false,
      responseCode: 503,
      responseFlags: 'UH',
    });
    expect(uh).toMatchObject({
      destination_workload: 'unknown',
      destination_workload_namespace: 'unknown',
      destination_app: 'unknown',
      destination_version: 'unknown',
      destination_service: 'reviews.bookinfo.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'bookinfo',
      destination_canonical_service: 'unknown',
      destination_canonical_revision: 'latest',
      destination_cluster: 'unknown',
      response_flags: 'UH',
    });
    const nc = sourceReporterLabels({
      source: client,
      service: { kind: 'authority', authority: 'reviews:9080' },
      peer: undefined,
      mutualTls: false,
      responseCode: 503,
      responseFlags: 'NC',
    });
    expect(nc).toMatchObject({
      destination_service: 'reviews:9080',
      destination_service_name: 'reviews:9080',
      destination_service_namespace: 'unknown',
      response_flags: 'NC',
    });
  });
});

describe('destination reporter labels', () => {
  it('fills source labels from the client peer and reports mutual_tls', () => {
    const labels = destinationReporterLabels({
      destination: server,
      source: client,
      serviceHost: 'reviews.bookinfo.svc.cluster.local',
      mutualTls: true,
      responseCode: 500,
      responseFlags: '',
    });
    expect(labels).toMatchObject({
      reporter: 'destination',
      source_workload: 'productpage-v1',
      source_principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
      destination_workload: 'reviews-green',
      destination_version: '2.0.1',
      destination_principal: 'spiffe://cluster.local/ns/bookinfo/sa/default',
      destination_service: 'reviews.bookinfo.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'bookinfo',
      response_code: '500',
      response_flags: '-',
      connection_security_policy: 'mutual_tls',
    });
  });

  it('reads unknown for a client without sidecar and none without mTLS', () => {
    const labels = destinationReporterLabels({
      destination: server,
      source: undefined,
      serviceHost: 'reviews.bookinfo.svc.cluster.local',
      mutualTls: false,
      responseCode: 200,
      responseFlags: '-',
    });
    expect(labels).toMatchObject({
      source_workload: 'unknown',
      source_canonical_revision: 'latest',
      source_principal: 'unknown',
      destination_principal: 'unknown',
      connection_security_policy: 'none',
    });
  });
});
