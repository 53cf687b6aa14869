/**
 * `gitops-controller`: no GitOps controller will revert what a release writes. When Argo CD
 * or Flux manages the VirtualService, DestinationRule or slot Deployments, its self-heal
 * puts the weights (or the image) back as Git has them mid-release; switchyard then stops
 * with a concurrent edit (exit 6) and the release fails. Both can coexist when the
 * controller leaves switchyard's fields alone, and this check prints that configuration for
 * each managed object.
 *
 * Detected from the object itself:
 * - Argo CD: the annotation `argocd.argoproj.io/tracking-id` (`annotation` and
 *   `annotation+label` tracking, the default since Argo CD 3.0) or the label
 *   `app.kubernetes.io/instance` (`label` tracking, the default before; Helm charts set it
 *   too, so it counts only without `app.kubernetes.io/managed-by: Helm`); on a real server
 *   also a `managedFields` manager `argocd-controller` (its server-side apply) or
 *   `argocd-application-controller`.
 * - Flux: the labels `kustomize.toolkit.fluxcd.io/name` and `.../namespace` (a Kustomization)
 *   or `helm.toolkit.fluxcd.io/name` and `.../namespace` (a HelmRelease); managers
 *   `kustomize-controller`, `helm-controller`. An object annotated
 *   `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` or `Ignore`, or
 *   `kustomize.toolkit.fluxcd.io/reconcile: disabled`, is left alone by Flux: a note only.
 *
 * The configuration printed:
 * - Argo CD (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/ and
 *   .../sync-options/#respect-ignore-difference-configs): `spec.ignoreDifferences` entries on
 *   the paths switchyard writes, and `RespectIgnoreDifferences=true` in
 *   `spec.syncPolicy.syncOptions` so a sync (self-heal included) leaves them as they are.
 * - Flux Kustomization (https://fluxcd.io/flux/components/kustomize/kustomizations/,
 *   "Controlling the apply behavior of resources"): the annotation
 *   `kustomize.toolkit.fluxcd.io/ssa: IfNotPresent` on the object in its source manifests,
 *   so Flux creates it and never overwrites it; `Merge` does not help, since Flux still
 *   overrides the fields its manifest sets (the weights and the image are among them).
 * - Flux HelmRelease (https://fluxcd.io/flux/components/helm/helmreleases/#drift-detection):
 *   `spec.driftDetection.ignore` on the same paths; a chart upgrade still applies the
 *   chart's values.
 */
import type { ObjectRef } from '../errors.js';
import type { KubeObject } from '../kube/kube-types.js';
import { managedFieldsOf } from '../kube/managed-fields.js';
import { STATE_ANNOTATION } from '../release/state-record.js';
import { SLOTS } from '../istio/route-target.js';
import type { Finding } from './finding.js';
import { templateLabels } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';
import { objectRefOf } from '../kube/object-ref.js';

const ID = 'gitops-controller';

const ARGO_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';
const FLUX_KUSTOMIZATION = 'kustomize.toolkit.fluxcd.io';
const FLUX_HELM = 'helm.toolkit.fluxcd.io';
const ARGO_MANAGERS = ['argocd-controller', 'argocd-application-controller'];

/** The controller managing an object, and what shows it. */
interface Controller {
  readonly tool: 'Argo CD' | 'Flux Kustomization' | 'Flux HelmRelease';
  /** The Application, Kustomization or HelmRelease, when the object names it. */
  readonly owner: string | undefined;
  /** What shows it, for the message. */
  readonly evidence: string;
  /** Flux was told to leave the object alone. */
  readonly leavesAlone: boolean;
}

/** One object a release writes, with the JSON Pointers of what it writes there. */
interface WrittenObject {
  readonly object: KubeObject;
  readonly group: string;
  readonly kind: string;
  readonly paths: readonly string[];
}

/** `~1` for `/` and `~0` for `~` (RFC 6901). */
function pointerSegment(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function writtenObjects(context: PreflightContext): WrittenObject[] {
  const written: WrittenObject[] = [];
  if (context.virtualService)
    written.push({
      object: context.virtualService,
      group: 'networking.istio.io',
      kind: 'VirtualService',
      paths: ['/spec/http', `/metadata/annotations/${pointerSegment(STATE_ANNOTATION)}`],
    });
  if (context.destinationRule)
    written.push({
      object: context.destinationRule,
      group: 'networking.istio.io',
      kind: 'DestinationRule',
      paths: ['/spec/subsets'],
    });
  for (const slot of SLOTS) {
    const deployment = context.deployments[slot];
    if (!deployment) continue;
    const containers = deployment.spec.template.spec?.containers ?? [];
    const wanted = context.spec.target.container;
    const index = wanted === undefined ? 0 : containers.findIndex((c) => c.name === wanted);
    const slotLabel = context.spec.target.slotLabel;
    written.push({
      object: deployment,
      group: 'apps',
      kind: 'Deployment',
      paths: [
        `/spec/template/spec/containers/${Math.max(index, 0)}/image`,
        '/spec/replicas',
        ...(templateLabels(deployment)[slotLabel] === undefined
          ? [`/spec/template/metadata/labels/${pointerSegment(slotLabel)}`]
          : []),
      ],
    });
  }
  return written;
}

function controllersOf(object: KubeObject): Controller[] {
  const labels = object.metadata.labels ?? {};
  const annotations = object.metadata.annotations ?? {};
  const managers = new Set(managedFieldsOf(object).map((entry) => entry.manager));
  const found: Controller[] = [];
  const trackingId = annotations[ARGO_TRACKING_ID];
  const instance = labels[INSTANCE_LABEL];
  const argoManager = ARGO_MANAGERS.find((manager) => managers.has(manager));
  if (trackingId !== undefined)
    found.push({
      tool: 'Argo CD',
      owner: trackingId.split(':')[0] || undefined,
      evidence: `annotation ${ARGO_TRACKING_ID}: ${trackingId}`,
      leavesAlone: false,
    });
  else if (instance !== undefined && labels['app.kubernetes.io/managed-by'] !== 'Helm')
    found.push({
      tool: 'Argo CD',
      owner: instance,
      evidence: `label ${INSTANCE_LABEL}: ${instance} (Argo CD's label tracking)`,
      leavesAlone: false,
    });
  else if (argoManager)
    found.push({
      tool: 'Argo CD',
      owner: undefined,
      evidence: `managedFields manager "${argoManager}"`,
      leavesAlone: false,
    });
  for (const [prefix, tool, manager] of [
    [FLUX_KUSTOMIZATION, 'Flux Kustomization', 'kustomize-controller'],
    [FLUX_HELM, 'Flux HelmRelease', 'helm-controller'],
  ] as const) {
    const name = labels[`${prefix}/name`];
    const policy = annotations[`${FLUX_KUSTOMIZATION}/ssa`];
    const leavesAlone =
      tool === 'Flux Kustomization' &&
      (policy === 'IfNotPresent' ||
        policy === 'Ignore' ||
        annotations[`${FLUX_KUSTOMIZATION}/reconcile`] === 'disabled');
    if (name !== undefined)
      found.push({
        tool,
        owner: `${labels[`${prefix}/namespace`] ?? '?'}/${name}`,
        evidence: `label ${prefix}/name: ${name}`,
        leavesAlone,
      });
    else if (managers.has(manager))
      found.push({
        tool,
        owner: undefined,
        evidence: `managedFields manager "${manager}"`,
        leavesAlone,
      });
  }
  return found;
}

/** The configuration that lets `controller` and switchyard share `written`, in one line. */
function coexistence(controller: Controller, written: WrittenObject, ref: ObjectRef): string {
  const paths = `[${written.paths.join(', ')}]`;
  switch (controller.tool) {
    case 'Argo CD':
      return (
        `in Argo CD Application ${controller.owner ?? '(the one that syncs it)'} add to spec.ignoreDifferences ` +
        `{group: ${written.group}, kind: ${written.kind}, name: ${ref.name}, namespace: ${ref.namespace ?? ''}, jsonPointers: ${paths}} ` +
        'and to spec.syncPolicy.syncOptions RespectIgnoreDifferences=true'
      );
    case 'Flux Kustomization':
      return (
        `annotate the ${written.kind} in its source manifests with kustomize.toolkit.fluxcd.io/ssa: IfNotPresent ` +
        `(Kustomization ${controller.owner ?? '(the one that applies it)'} then creates it and never overwrites it)`
      );
    case 'Flux HelmRelease':
      return (
        `in HelmRelease ${controller.owner ?? '(the one that installs it)'} set spec.driftDetection ` +
        `{mode: enabled, ignore: [{paths: ${paths}, target: {kind: ${written.kind}, name: ${ref.name}}}]}, ` +
        "and do not upgrade the release while switchyard releases (an upgrade applies the chart's values)"
      );
  }
}

/** The check. */
export const gitopsControllerCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title: 'no GitOps controller (Argo CD, Flux) reverts what a release writes',
  needs: [],
  run(context) {
    const findings: Finding[] = [];
    for (const slot of SLOTS) {
      // deploy creates a missing slot's Deployment from the other one, labels included: a
      // controller tracking by label counts the copy as its own, and finds it missing in Git.
      const source = context.deployments[slot === 'blue' ? 'green' : 'blue'];
      if (context.deployments[slot] || !source) continue;
      const tracking = controllersOf(source).filter((c) => !c.leavesAlone);
      if (tracking.length === 0) continue;
      const name = context.spec.target.slots[slot].deployment;
      findings.push({
        id: ID,
        severity: 'warning',
        object: objectRefOf(source, 'Deployment'),
        field: 'metadata.labels',
        message:
          `deploy creates the ${slot} slot's Deployment ${name} from this one, labels and annotations included, ` +
          `and ${tracking.map((c) => c.tool).join(' and ')} manages this one: it may count ${name} as its own, find it missing in Git and prune it`,
        fix: `commit Deployment ${name} to Git beside this one (replicas: 0), so both slots belong to the app`,
      });
    }
    for (const written of writtenObjects(context)) {
      const ref = objectRefOf(written.object, written.kind);
      for (const controller of controllersOf(written.object)) {
        const who = `${controller.tool}${controller.owner ? ` ${controller.owner}` : ''}`;
        findings.push(
          controller.leavesAlone
            ? {
                id: ID,
                severity: 'info',
                object: ref,
                field: 'metadata',
                message: `managed by ${who} (${controller.evidence}), which is told to leave it as it is in the cluster: switchyard's writes stay`,
                fix: 'nothing',
              }
            : {
                id: ID,
                severity: 'warning',
                object: ref,
                field: 'metadata',
                message:
                  `managed by ${who} (${controller.evidence}): a sync or self-heal puts ${written.paths.join(', ')} back as Git has them, ` +
                  'so a release stops mid-way with a concurrent edit (exit 6)',
                fix: coexistence(controller, written, ref),
              },
        );
      }
    }
    return findings;
  },
};
