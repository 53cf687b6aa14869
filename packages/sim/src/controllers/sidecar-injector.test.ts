import { afterEach, describe, expect, it } from 'vitest';
import {
  createNamespace,
  createStore,
  deploymentManifest,
  getDeployment,
  listPods,
  podReady,
  rolloutComplete,
  startControllers,
  typeOf,
  waitFor,
  type TestCluster,
} from './__fixtures__/sim-cluster.js';
import type { Pod } from './kube-shapes.js';
import { admitPodCreate } from './pod-admission.js';
import { injectSidecar, sidecarInjectionRequired, type PodInput } from './sidecar-injector.js';

const injection = { istioVersion: '1.26.2', revision: 'default' };

function pod(
  labels: Record<string, string> = { app: 'reviews', version: 'v1' },
  annotations?: Record<string, string>,
): PodInput {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'reviews-1', labels, ...(annotations ? { annotations } : {}) },
    spec: {
      containers: [
        {
          name: 'reviews',
          image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.1',
          ports: [{ containerPort: 9080 }],
        },
      ],
    },
  };
}

describe('sidecarInjectionRequired', () => {
  it.each([
    ['namespace istio-injection=enabled', { 'istio-injection': 'enabled' }, {}, true],
    [
      'enabled namespace, pod inject=false',
      { 'istio-injection': 'enabled' },
      { 'sidecar.istio.io/inject': 'false' },
      false,
    ],
    ['unlabelled namespace', {}, {}, false],
    ['unlabelled namespace, pod inject=true', {}, { 'sidecar.istio.io/inject': 'true' }, true],
    [
      'disabled namespace, pod inject=true',
      { 'istio-injection': 'disabled' },
      { 'sidecar.istio.io/inject': 'true' },
      false,
    ],
    ['namespace istio.io/rev=default', { 'istio.io/rev': 'default' }, {}, true],
    ['namespace istio.io/rev of another revision', { 'istio.io/rev': 'canary' }, {}, false],
    [
      'revision namespace, pod inject=false',
      { 'istio.io/rev': 'default' },
      { 'sidecar.istio.io/inject': 'false' },
      false,
    ],
  ])('%s -> %s', (_name, namespaceLabels, podLabels, expected) => {
    expect(
      sidecarInjectionRequired(
        pod({ app: 'reviews', ...podLabels }),
        'bookinfo',
        namespaceLabels,
        'default',
      ),
    ).toBe(expected);
  });

  it('honours the legacy annotation when the label is absent, and never injects host-network pods', () => {
    const annotated = pod({ app: 'reviews' }, { 'sidecar.istio.io/inject': 'false' });
    expect(
      sidecarInjectionRequired(annotated, 'bookinfo', { 'istio-injection': 'enabled' }, 'default'),
    ).toBe(false);
    const hostNetwork = { ...pod(), spec: { ...pod().spec, hostNetwork: true } };
    expect(
      sidecarInjectionRequired(
        hostNetwork,
        'bookinfo',
        { 'istio-injection': 'enabled' },
        'default',
      ),
    ).toBe(false);
    expect(
      sidecarInjectionRequired(pod(), 'kube-system', { 'istio-injection': 'enabled' }, 'default'),
    ).toBe(false);
  });
});

describe('injectSidecar', () => {
  it('adds istio-init, istio-proxy, volumes, labels and the status annotation like istiod', () => {
    const injected = injectSidecar(pod(), 'bookinfo', injection);
    const containers = injected.spec?.containers ?? [];
    expect(containers.map((c) => c.name)).toEqual(['reviews', 'istio-proxy']);
    const proxy = containers[1]!;
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.26.2');
    expect((proxy.args as string[]).slice(0, 2)).toEqual(['proxy', 'sidecar']);
    expect(proxy.ports).toEqual([
      { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
    ]);
    expect(injected.spec?.initContainers?.map((c) => [c.name, c.image])).toEqual([
      ['istio-init', 'docker.io/istio/proxyv2:1.26.2'],
    ]);

    expect(injected.metadata?.labels).toEqual({
      app: 'reviews',
      version: 'v1',
      'security.istio.io/tlsMode': 'istio',
      'service.istio.io/canonical-name': 'reviews',
      'service.istio.io/canonical-revision': 'v1',
    });
    const status = JSON.parse(injected.metadata?.annotations?.['sidecar.istio.io/status'] ?? '{}');
    expect(status).toEqual({
      initContainers: ['istio-init'],
      containers: ['istio-proxy'],
      volumes: [
        'workload-socket',
        'credential-socket',
        'workload-certs',
        'istio-envoy',
        'istio-data',
        'istio-podinfo',
        'istio-token',
        'istiod-ca-cert',
      ],
      imagePullSecrets: null,
      revision: 'default',
    });
    expect((injected.spec?.volumes as { name: string }[]).map((v) => v.name)).toEqual(
      status.volumes,
    );
    expect(injected.metadata?.annotations?.['kubectl.kubernetes.io/default-container']).toBe(
      'reviews',
    );
    // The input is left alone.
    expect(pod().spec?.containers).toHaveLength(1);
  });

  it('derives the canonical name from the Deployment when the pod has no app label', () => {
    const fromDeployment: PodInput = {
      metadata: {
        generateName: 'ratings-7d9c8f5b4d-',
        labels: { 'pod-template-hash': '7d9c8f5b4d' },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: 'ratings-7d9c8f5b4d',
            uid: 'u1',
            controller: true,
          },
        ],
      },
      spec: { containers: [{ name: 'ratings', image: 'ratings:1' }] },
    };
    const injected = injectSidecar(fromDeployment, 'bookinfo', injection);
    expect(injected.metadata?.labels?.['service.istio.io/canonical-name']).toBe('ratings');
    expect(injected.metadata?.labels?.['service.istio.io/canonical-revision']).toBe('latest');
    const env = injected.spec?.containers?.[1]?.env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'ISTIO_META_WORKLOAD_NAME')?.value).toBe('ratings');
    expect(env.find((e) => e.name === 'ISTIO_META_OWNER')?.value).toBe(
      'kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/ratings',
    );
  });

  it('admission applies pod defaults after injection and starts the pod Pending', () => {
    const admitted = admitPodCreate(pod(), 'bookinfo', {
      namespaceLabels: { 'istio-injection': 'enabled' },
      injection,
    });
    expect(admitted.status).toEqual({ phase: 'Pending', qosClass: 'Burstable' });
    expect(admitted.spec).toMatchObject({
      serviceAccountName: 'default',
      serviceAccount: 'default',
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
    expect(admitted.spec?.containers?.[1]).toMatchObject({
      name: 'istio-proxy',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    });
    const plain = admitPodCreate(pod(), 'bookinfo', { namespaceLabels: undefined, injection });
    expect(plain.spec?.containers?.map((c) => c.name)).toEqual(['reviews']);
    expect(plain.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });
});

describe('injection through the controllers', () => {
  let cluster: TestCluster | undefined;
  afterEach(() => {
    cluster?.controllers.stop();
    cluster = undefined;
  });

  it('injects Deployment pods only in an enabled namespace and not when the pod opts out', async () => {
    const store = createStore();
    createNamespace(store, 'mesh', { 'istio-injection': 'enabled' });
    createNamespace(store, 'plain');
    cluster = startControllers(store, { readyDelayMs: 20 });
    cluster.behaviours.setReady('example.com/app:bad', false);
    const deployments = typeOf(store, 'deployments');
    store.create(deployments, 'mesh', deploymentManifest('injected', 'mesh', { replicas: 2 }));
    store.create(
      deployments,
      'mesh',
      deploymentManifest('optout', 'mesh', {
        replicas: 1,
        podLabels: { 'sidecar.istio.io/inject': 'false' },
      }),
    );
    store.create(deployments, 'plain', deploymentManifest('plain', 'plain', { replicas: 1 }));
    store.create(
      deployments,
      'mesh',
      deploymentManifest('bad', 'mesh', { replicas: 1, image: 'example.com/app:bad' }),
    );
    for (const [ns, name] of [
      ['mesh', 'injected'],
      ['mesh', 'optout'],
      ['plain', 'plain'],
    ] as const) {
      await waitFor(() => rolloutComplete(getDeployment(store, ns, name)), `${name} rolled out`);
    }
    const byApp = (ns: string, app: string): Pod[] =>
      listPods(store, ns).filter((p) => p.metadata.labels?.app === app);
    const names = (p: Pod) => p.spec?.containers?.map((c) => c.name);

    for (const p of byApp('mesh', 'injected')) {
      expect(names(p)).toEqual(['app', 'istio-proxy']);
      expect(p.metadata.annotations?.['sidecar.istio.io/status']).toBeDefined();
      expect(p.status?.containerStatuses?.map((s) => [s.name, s.ready])).toEqual([
        ['app', true],
        ['istio-proxy', true],
      ]);
      expect(p.status?.initContainerStatuses?.[0]).toMatchObject({
        name: 'istio-init',
        ready: true,
        state: { terminated: { reason: 'Completed', exitCode: 0 } },
      });
      expect(podReady(p)).toBe(true);
    }
    expect(byApp('mesh', 'optout').map(names)).toEqual([['app']]);
    expect(byApp('plain', 'plain').map(names)).toEqual([['app']]);

    // A never-ready app image: the proxy becomes ready, the app container never does.
    const [bad] = await waitFor(() => {
      const pods = byApp('mesh', 'bad');
      return (
        pods.length === 1 &&
        pods[0]?.status?.containerStatuses?.some((s) => s.name === 'istio-proxy' && s.ready) &&
        pods
      );
    }, 'bad pod proxy ready');
    expect(bad?.status?.containerStatuses?.map((s) => [s.name, s.ready])).toEqual([
      ['app', false],
      ['istio-proxy', true],
    ]);
    expect(podReady(bad!)).toBe(false);
    expect(bad?.status?.conditions?.find((c) => c.type === 'ContainersReady')?.message).toBe(
      'containers with unready status: [app]',
    );
    expect(cluster.errors).toEqual([]);
  });
});
