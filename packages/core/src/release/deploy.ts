/**
 * `deploy`: puts a new image on the idle slot with no user traffic. Updates (or creates)
 * the slot's Deployment and waits for its rollout, makes the slot routable (a
 * VirtualService's DestinationRule subsets, synced before any route may use them), and,
 * when the spec has a pre-release header, routes requests carrying it to the candidate, in
 * one gated write with the record. What a failure means is the failure policy's call.
 */
import { UsageError } from '../errors.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { applyCandidate, waitForRollout } from './candidate-deployment.js';
import { isoTime } from './clock.js';
import { deployChanges, prereleaseHeaders, prereleaseRouteEdit } from './deploy-changes.js';
import { judgeFailure } from './failure-policy.js';
import {
  applyGatedChange,
  applyGatedSlotDestinations,
  commitRecord,
  emitPhaseChange,
} from './gated-change.js';
import { withOperationContext, type OperationStart } from './operation-context.js';
import type { OperationDependencies } from './operation-dependencies.js';
import { finishOperation } from './operation-summary.js';
import { checkDeployable } from './preconditions.js';
import { readBeforeLock } from './read-before-lock.js';
import type { OperationSummary } from './release-events.js';
import { otherSlot, type OperationRecord } from './state-record.js';

/** Options of `deploy`. */
export interface DeployOptions {
  /** Image for the candidate slot. */
  image: string;
  /** Aborts the operation (the lock is released; nothing is rolled back). */
  signal?: AbortSignal | undefined;
}

/** Deploys `options.image` to the idle slot of `spec`'s service with zero user traffic. */
export async function deployCandidate(
  spec: ResolvedReleaseSpec,
  deps: OperationDependencies,
  options: DeployOptions,
): Promise<OperationSummary> {
  const { image } = options;
  if (!image || /\s/.test(image)) {
    throw new UsageError(`image: must be a container image reference, got "${image}"`);
  }
  const before = await readBeforeLock(spec, deps, 'deploy', options.signal);
  checkDeployable(spec, before.record);
  deployChanges(spec, before.objects, before.record, image); // validation only: throws before the lock

  const start: OperationStart = {
    kind: 'deploy',
    log: before.log,
    signal: options.signal,
    slots: (_service, record) => ({
      stable: record.activeSlot,
      candidate: otherSlot(record.activeSlot),
    }),
  };
  return withOperationContext(spec, deps, start, async (context) => {
    const { candidate, log } = context;
    const kube = context.clients.kube;
    const record = context.routes.record;
    checkDeployable(spec, record);
    const changes = deployChanges(spec, context.objects, record, image);
    const op: OperationRecord = {
      kind: 'deploy',
      id: context.id,
      startedAt: isoTime(log.startedAt),
      stepIndex: 0,
      stage: 'applying',
    };
    await commitRecord(context, {
      record: (r) => ({ ...r, operation: op, holder: deps.holderIdentity }),
    });

    // 1. The candidate Deployment.
    const applied = await applyCandidate(kube.deployments, changes.deployment, context.signal);
    log.emit({
      type: 'deployment-changed',
      deployment: applied.metadata.name,
      image,
      created: changes.deployment.created,
      replicas: applied.spec.replicas ?? 1,
    });
    try {
      await waitForRollout({
        api: kube.deployments,
        clock: context.clock,
        namespace: spec.namespace,
        name: applied.metadata.name,
        timeoutMs: spec.deploy.rolloutTimeoutMs,
        signal: context.signal,
        onProgress: (status) =>
          log.emit({
            type: 'rollout-progress',
            deployment: applied.metadata.name,
            desired: status.desired,
            updated: status.updated,
            available: status.available,
            summary: status.summary,
          }),
      });
    } catch (error) {
      const verdict = judgeFailure(error, { during: 'deploy-rollout' }, context.signal);
      if (verdict.action === 'forget-candidate') {
        // User traffic never moved; the record forgets the candidate so release refuses it.
        await commitRecord(context, {
          record: (r) => ({
            ...r,
            phase: r.phase === 'deployed' ? 'idle' : r.phase,
            candidateSlot: undefined,
            images: { ...r.images, [candidate]: image },
            operation: undefined,
            reason: verdict.message,
          }),
        }).catch(() => undefined);
      }
      throw error;
    }

    // 2. The slots made routable (DestinationRule subsets), synced before any route uses them.
    if (changes.slotDestinations)
      await applyGatedSlotDestinations(context, changes.slotDestinations);

    // 3. The pre-release header route and the record, in one gated write.
    const headers = prereleaseHeaders(spec);
    try {
      await applyGatedChange(context, {
        what: 'pre-release header route',
        routes: prereleaseRouteEdit(spec, candidate),
        record: (r) => ({
          ...r,
          phase: 'deployed',
          candidateSlot: candidate,
          images: { ...r.images, [candidate]: image },
          headerRoute: headers !== undefined,
          operation: undefined,
          reason: undefined,
          routeState: undefined,
        }),
      });
    } catch (error) {
      const verdict = judgeFailure(error, { during: 'deploy-header-route' }, context.signal);
      if (headers && verdict.action === 'withdraw-header-route') {
        // Envoy or istiod refuses the route: left in place, every later push to those proxies
        // would be refused with it. Take it out again (gated), and forget the candidate.
        let withdrawn = 'the header route was removed again';
        try {
          await applyGatedChange(context, {
            what: 'removal of the rejected pre-release header route',
            routes: { headerRoute: 'remove' },
            record: (r) => ({
              ...r,
              phase: record.phase === 'deployed' ? 'idle' : record.phase,
              candidateSlot: undefined,
              headerRoute: false,
              operation: undefined,
              reason: verdict.message,
            }),
          });
        } catch (removal) {
          withdrawn = `removing the header route again failed too: ${(removal as Error).message}`;
        }
        log.emit({
          type: 'warning',
          message: `pre-release header route rejected by ${verdict.rejectedBy}; ${withdrawn}`,
        });
      }
      throw error;
    }
    emitPhaseChange(context, record.phase, 'deployed');
    return finishOperation(
      context,
      'deployed',
      `deployed ${image} to ${candidate} (${spec.target.slots[candidate].deployment}) with no user traffic${headers ? '; requests with the pre-release header reach it' : ''}`,
    );
  });
}
