/**
 * `deploy`: puts a new image on the idle slot with no user traffic. Updates (or creates)
 * the slot's Deployment and waits for its rollout, adds the slot subsets to the
 * DestinationRule (synced before any route may use them), and, when the spec has a
 * pre-release header, routes requests carrying it to the candidate, in one write with the
 * record.
 */
import {
  ConfigRejectedError,
  RolloutFailedError,
  RolloutTimeoutError,
  UsageError,
} from '../errors.js';
import { removePrereleaseRoute, setPrereleaseRoute } from '../istio/prerelease-route.js';
import { planRouteChanges } from '../istio/route-plan.js';
import type { DestinationRule, VirtualService } from '../istio/types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import { applyCandidate, waitForRollout } from './candidate-deployment.js';
import { isoTime } from './clock.js';
import { deployChanges, prereleaseHeaders } from './deploy-changes.js';
import {
  withOperationContext,
  type EngineDependencies,
  type OperationStart,
} from './operation-context.js';
import { finishOperation } from './operation-summary.js';
import { checkDeployable } from './preconditions.js';
import { preflight } from './preflight.js';
import { commitChange, emitPhaseChange } from './record-commit.js';
import type { OperationSummary } from './release-events.js';
import { applyRouteChange, applySyncedChange } from './route-change.js';
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
  deps: EngineDependencies,
  options: DeployOptions,
): Promise<OperationSummary> {
  const { image } = options;
  if (!image || /\s/.test(image)) {
    throw new UsageError(`image: must be a container image reference, got "${image}"`);
  }
  const before = await preflight(spec, deps, 'deploy', options.signal);
  checkDeployable(spec, before.record);
  deployChanges(spec, before.service, before.record, image); // validation only: throws before the lock

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
    const { candidate, service, log } = context;
    const kube = context.clients.kube;
    const record = context.state.record;
    checkDeployable(spec, record);
    const changes = deployChanges(spec, service, record, image);
    const op: OperationRecord = {
      kind: 'deploy',
      id: context.id,
      startedAt: isoTime(log.startedAt),
      stepIndex: 0,
      stage: 'applying',
    };
    await commitChange(context, {
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
      if (error instanceof RolloutTimeoutError || error instanceof RolloutFailedError) {
        // User traffic never moved; the record forgets the candidate so release refuses it.
        await commitChange(context, {
          record: (r) => ({
            ...r,
            phase: r.phase === 'deployed' ? 'idle' : r.phase,
            candidateSlot: undefined,
            images: { ...r.images, [candidate]: image },
            operation: undefined,
            reason: error.message,
          }),
        }).catch(() => undefined);
      }
      throw error;
    }

    // 2. DestinationRule subsets, synced before any route may use them.
    const destinationRule = changes.destinationRule;
    if (destinationRule) {
      await applySyncedChange(context, 'DestinationRule slot subsets', async () => {
        const planned = planRouteChanges({
          destinationRules: [{ before: service.destinationRule, after: destinationRule }],
        });
        for (const change of planned) {
          const written: DestinationRule = await kube.destinationRules.patch(
            spec.namespace,
            spec.target.destinationRule,
            change.patch,
            { signal: context.signal },
          );
          service.destinationRule = written;
          log.emit({
            type: 'routes-applied',
            object: {
              kind: 'DestinationRule',
              namespace: spec.namespace,
              name: spec.target.destinationRule,
            },
            description: change.description,
            resourceVersion: written.metadata.resourceVersion,
          });
        }
      });
    }

    // 3. The pre-release header route and the record, in one write.
    const headers = prereleaseHeaders(spec);
    const withdrawRejectedRoute = async (error: unknown): Promise<void> => {
      if (!(error instanceof ConfigRejectedError)) throw error;
      // Envoy refuses the route: left in place, every later push to those proxies would be
      // refused with it. Take it out again (gated), and forget the candidate.
      let withdrawn = 'the header route was removed again';
      try {
        await applyRouteChange(context, {
          what: 'removal of the rejected pre-release header route',
          routes: (vs: VirtualService) => removePrereleaseRoute(vs, service.target),
          record: (r) => ({
            ...r,
            phase: record.phase === 'deployed' ? 'idle' : record.phase,
            candidateSlot: undefined,
            headerRoute: false,
            operation: undefined,
            reason: error.message.split('\n')[0] ?? error.message,
          }),
        });
      } catch (removal) {
        withdrawn = `removing the header route again failed too: ${(removal as Error).message}`;
      }
      log.emit({
        type: 'warning',
        message: `pre-release header route rejected by Envoy; ${withdrawn}`,
      });
      throw error;
    };
    await applyRouteChange(
      context,
      {
        what: 'pre-release header route',
        routes: (vs: VirtualService) =>
          headers
            ? setPrereleaseRoute(vs, service.target, { slot: candidate, headers })
            : removePrereleaseRoute(vs, service.target),
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
      },
      headers ? withdrawRejectedRoute : undefined,
    );
    emitPhaseChange(context, record.phase, 'deployed');
    return finishOperation(
      context,
      'deployed',
      `deployed ${image} to ${candidate} (${spec.target.slots[candidate].deployment}) with no user traffic${headers ? '; requests with the pre-release header reach it' : ''}`,
    );
  });
}
