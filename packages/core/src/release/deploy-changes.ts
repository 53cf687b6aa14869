/**
 * The changes a deploy makes, computed (and so validated) without I/O: the candidate
 * Deployment, the DestinationRule with the slot subsets, the pre-release header route.
 * `deploy` computes them before the lock and again under it; `plan` shows them.
 */
import { PreflightError } from '../errors.js';
import { setPrereleaseRoute } from '../istio/prerelease-route.js';
import { ensureSlotSubsets } from '../istio/slot-subsets.js';
import type { DestinationRule, StringMatch } from '../istio/types.js';
import type { Deployment } from '../kube/kube-types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { desiredCandidate } from './candidate-deployment.js';
import type { ServiceContext } from './service-context.js';
import { otherSlot, type ReleaseRecord } from './state-record.js';

/** What a deploy will change. */
export interface DeployChanges {
  /** The candidate Deployment as it will be written, and whether it is created. */
  deployment: { deployment: Deployment; created: boolean };
  /** The DestinationRule with the slot subsets; undefined when it already has them. */
  destinationRule: DestinationRule | undefined;
}

/** The pre-release header match of the spec, when it has one. */
export function prereleaseHeaders(
  spec: ResolvedReleaseSpec,
): Readonly<Record<string, Readonly<StringMatch>>> | undefined {
  return spec.deploy.preRelease?.headers;
}

/** Computes (and so validates) every change deploying `image` will make. */
export function deployChanges(
  spec: ResolvedReleaseSpec,
  service: ServiceContext,
  record: ReleaseRecord,
  image: string,
): DeployChanges {
  const candidate = otherSlot(record.activeSlot);
  const active = service.deployments[record.activeSlot];
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
    existing: service.deployments[candidate],
  });
  const selector = service.service.spec?.selector ?? {};
  const after = ensureSlotSubsets(service.destinationRule, service.target, {
    slotLabel: spec.target.slotLabel,
    slotValues: {
      blue: spec.target.slots.blue.labelValue,
      green: spec.target.slots.green.labelValue,
    },
    selector,
  });
  const headers = prereleaseHeaders(spec);
  if (headers) {
    setPrereleaseRoute(service.virtualService, service.target, { slot: candidate, headers });
  }
  const changed = JSON.stringify(after) !== JSON.stringify(service.destinationRule);
  return { deployment, destinationRule: changed ? after : undefined };
}
