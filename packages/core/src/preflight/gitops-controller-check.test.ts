import { describe, expect, it } from 'vitest';
import {
  deployment,
  destinationRule,
  healthyContext,
  summary,
  virtualService,
} from './__fixtures__/preflight-context-fixtures.js';
import { gitopsControllerCheck } from './gitops-controller-check.js';

describe('gitops-controller', () => {
  it('passes objects no GitOps controller manages', () => {
    expect(gitopsControllerCheck.run(healthyContext())).toEqual([]);
  });

  it("prints Argo CD's ignoreDifferences for a tracked VirtualService", () => {
    const vs = virtualService();
    vs.metadata.annotations = {
      'argocd.argoproj.io/tracking-id': 'shop:networking.istio.io/VirtualService:bookinfo/reviews',
    };
    const found = gitopsControllerCheck.run(healthyContext({ virtualService: vs }));
    expect(summary(found)).toEqual(['warning gitops-controller metadata']);
    expect(found[0]?.message).toBe(
      'managed by Argo CD shop (annotation argocd.argoproj.io/tracking-id: shop:networking.istio.io/VirtualService:bookinfo/reviews): ' +
        'a sync or self-heal puts /spec/http, /metadata/annotations/switchyard.dev~1release back as Git has them, ' +
        'so a release stops mid-way with a concurrent edit (exit 6)',
    );
    expect(found[0]?.fix).toBe(
      'in Argo CD Application shop add to spec.ignoreDifferences {group: networking.istio.io, kind: VirtualService, name: reviews, namespace: bookinfo, ' +
        'jsonPointers: [/spec/http, /metadata/annotations/switchyard.dev~1release]} and to spec.syncPolicy.syncOptions RespectIgnoreDifferences=true',
    );
  });

  it('finds Argo CD by its label tracking and by its field manager, not by a Helm chart label', () => {
    const dr = destinationRule();
    dr.metadata.labels = { 'app.kubernetes.io/instance': 'shop' };
    const green = deployment('green', 0);
    green.metadata.managedFields = [
      { manager: 'argocd-controller', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
    ];
    const blue = deployment('blue', 2);
    blue.metadata.labels = {
      ...blue.metadata.labels,
      'app.kubernetes.io/instance': 'reviews',
      'app.kubernetes.io/managed-by': 'Helm',
    };
    const found = gitopsControllerCheck.run(
      healthyContext({ destinationRule: dr, deployments: { blue, green } }),
    );
    expect(
      found.map((f) => `${f.object.kind} ${f.object.name}: ${f.message.split(':')[0]}`),
    ).toEqual([
      'DestinationRule reviews: managed by Argo CD shop (label app.kubernetes.io/instance',
      'Deployment reviews-green: managed by Argo CD (managedFields manager "argocd-controller")',
    ]);
    expect(found[1]?.fix).toContain(
      'kind: Deployment, name: reviews-green, namespace: bookinfo, jsonPointers: [/spec/template/spec/containers/0/image, /spec/replicas]',
    );
  });

  it('prints the Flux annotation for a Kustomization, a note when Flux leaves it alone', () => {
    const vs = virtualService();
    vs.metadata.labels = {
      'kustomize.toolkit.fluxcd.io/name': 'apps',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    };
    const managed = gitopsControllerCheck.run(healthyContext({ virtualService: vs }));
    expect(summary(managed)).toEqual(['warning gitops-controller metadata']);
    expect(managed[0]?.message).toContain('managed by Flux Kustomization flux-system/apps');
    expect(managed[0]?.fix).toBe(
      'annotate the VirtualService in its source manifests with kustomize.toolkit.fluxcd.io/ssa: IfNotPresent ' +
        '(Kustomization flux-system/apps then creates it and never overwrites it)',
    );
    vs.metadata.annotations = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' };
    expect(summary(gitopsControllerCheck.run(healthyContext({ virtualService: vs })))).toEqual([
      'info gitops-controller metadata',
    ]);
  });

  it("prints a HelmRelease's drift detection ignore rule", () => {
    const dr = destinationRule();
    dr.metadata.labels = {
      'helm.toolkit.fluxcd.io/name': 'reviews',
      'helm.toolkit.fluxcd.io/namespace': 'apps',
    };
    const found = gitopsControllerCheck.run(healthyContext({ destinationRule: dr }));
    expect(found[0]?.fix).toBe(
      'in HelmRelease apps/reviews set spec.driftDetection {mode: enabled, ignore: [{paths: [/spec/subsets], target: {kind: DestinationRule, name: reviews}}]}, ' +
        "and do not upgrade the release while switchyard releases (an upgrade applies the chart's values)",
    );
  });

  it("warns that deploy would copy a tracked Deployment's labels to the missing slot", () => {
    const blue = deployment('blue', 2);
    blue.metadata.labels = { ...blue.metadata.labels, 'app.kubernetes.io/instance': 'shop' };
    const found = gitopsControllerCheck.run(
      healthyContext({ deployments: { blue, green: undefined } }),
    );
    expect(summary(found)).toEqual([
      'warning gitops-controller metadata.labels',
      'warning gitops-controller metadata',
    ]);
    expect(found[0]?.message).toBe(
      "deploy creates the green slot's Deployment reviews-green from this one, labels and annotations included, " +
        'and Argo CD manages this one: it may count reviews-green as its own, find it missing in Git and prune it',
    );
  });
});
