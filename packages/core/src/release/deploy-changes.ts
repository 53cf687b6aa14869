/**
 * The changes a deploy makes, computed (and so validated) without I/O: the candidate
 * Deployment, what makes the slots routable (a VirtualService's DestinationRule subsets),
 * the pre-release header route. `deploy` computes them before the lock and again under it;
 * `plan` shows them.
 */
import { PreflightError } from '../errors.js';
import type { StringMatch } from '../istio/types.js';
import type { Deployment } from '../kube/kube-types.js';
import type { SlotDestinations } from '../routing/route-backend.js';
import type { RouteEdit } from '../routing/route-edit.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { desiredCandidate } from './candidate-deployment.js';
import type { ReleaseObjects } from './release-objects.js';
import { otherSlot, type ReleaseRecord, type Slot } from './state-record.js';

/** What a deploy will change. */
export interface DeployChanges {
  /** The candidate Deployment as it will be written, and whether it is created. */
  deployment: { deployment: Deployment; created: boolean };
  /** What makes the slots routable; undefined when they already are. */
  slotDestinations: SlotDestinations | undefined;
}

/** The pre-release header match of the spec, when it has one. */
export function prereleaseHeaders(
  spec: ResolvedReleaseSpec,
): Readonly<Record<string, Readonly<StringMatch>>> | undefined {
  return spec.deploy.preRelease?.headers;
}

/** The header route deploy leaves: to the candidate when the spec has headers, else none. */
export function prereleaseRouteEdit(spec: ResolvedReleaseSpec, candidate: Slot): RouteEdit {
  const headers = prereleaseHeaders(spec);
  return { headerRoute: headers ? { slot: candidate, headers } : 'remove' };
}

/** Computes (and so validates) every change deploying `image` will make. */
export function deployChanges(
  spec: ResolvedReleaseSpec,
  objects: ReleaseObjects,
  record: ReleaseRecord,
  image: string,
): DeployChanges {
  const candidate = otherSlot(record.activeSlot);
  const active = objects.deployments[record.activeSlot];
  if (!active) {
    throw new PreflightError([
      {
        object: {
          kind: 'Deployment',
          namespace: spec.namespace,
          name: spec.target.slots[record.activeSlot].deployment,
        },
        message: `not found: it is the active slot (${record.activeSlot}) and the template for the candidate`,
      },
    ]);
  }
  const deployment = desiredCandidate({
    spec,
    candidate,
    image,
    active,
    existing: objects.deployments[candidate],
  });
  const { backend, routing } = objects;
  const slotDestinations = backend.slotDestinations(routing, objects.service);
  const headers = prereleaseHeaders(spec);
  // Validation only: refuses (RouteRefusedError) a header route the routes cannot take.
  if (headers) backend.setHeaderRoute(routing.object, { slot: candidate, headers });
  return { deployment, slotDestinations };
}
