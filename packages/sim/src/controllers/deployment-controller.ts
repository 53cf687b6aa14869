/**
 * The Deployment controller, after Kubernetes' `pkg/controller/deployment`: it claims the
 * ReplicaSets its selector matches, finds or creates the ReplicaSet of the current template
 * (`<deployment>-<pod-template-hash>`, revision annotations), rolls pods over with
 * RollingUpdate (maxSurge / maxUnavailable) or Recreate, scales proportionally on scaling
 * events, prunes old ReplicaSets beyond revisionHistoryLimit, and keeps `status` and the
 * `Available` / `Progressing` conditions exactly as Kubernetes does, including
 * `ProgressDeadlineExceeded` once progressDeadlineSeconds pass without progress.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  StoreError,
  type KubeObject,
  type ObjectStore,
  type StoreEvent,
} from '../store/object-store.js';
import {
  effectiveDeploymentSpec,
  MAX_INT32,
  type EffectiveDeploymentSpec,
} from './deployment-defaults.js';
import type { EventRecorder } from './event-recorder.js';
import {
  calculateDeploymentStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  DeploymentReason,
  getDeploymentCondition,
  hasProgressDeadline,
  newDeploymentCondition,
  removeDeploymentCondition,
  setDeploymentCondition,
  specReplicas,
} from './deployment-status.js';
import type { InformerCache, WorkloadResources } from './informer-cache.js';
import {
  viewAs,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type Pod,
  type ReplicaSet,
  type ReplicaSetSpec,
} from './kube-shapes.js';
import { parseKubeTime } from '../go-faithful/kube-time.js';
import { selectorMatches, selectsEverything } from '../go-faithful/label-selector.js';
import { controllerUid, objectKey, splitKey } from './object-index.js';
import { computePodTemplateHash } from './pod-template-hash.js';
import {
  byCreation,
  byRevision,
  DESIRED_REPLICAS_ANNOTATION,
  intAnnotation,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  templatesEqualIgnoringHash,
} from './replica-set-revisions.js';
import { maxSurgeOf, maxUnavailableOf, valueFromIntOrPercent } from './rolling-update-bounds.js';
import { WorkQueue } from './work-queue.js';

/** Options of the Deployment controller. */
export interface DeploymentControllerOptions {
  /** The cluster store. */
  store: ObjectStore;
  /** Resource types. */
  resources: WorkloadResources;
  /** Shared informer cache. */
  cache: InformerCache;
  /** Where `ScalingReplicaSet` events go. */
  events: EventRecorder;
  /** Reports sync failures; undefined to ignore them. */
  onError?: (key: string, error: unknown) => void;
}

/** One sync of one Deployment: the latest stored object (refreshed after each write). */
interface SyncContext {
  key: string;
  d: Deployment;
  spec: EffectiveDeploymentSpec;
}

function filterActive(replicaSets: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return replicaSets.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function sumReplicas(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  let total = 0;
  for (const rs of replicaSets) if (rs) total += specReplicas(rs);
  return total;
}

function roundHalfAway(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** Reconciles Deployments with their ReplicaSets. */
export class DeploymentController {
  readonly #options: DeploymentControllerOptions;
  readonly #queue: WorkQueue;

  constructor(options: DeploymentControllerOptions) {
    this.#options = options;
    this.#queue = new WorkQueue({
      handle: (key) => this.#syncDeployment(key),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Queues every Deployment in the cache. */
  start(): void {
    for (const d of this.#options.cache.deployments.all()) {
      this.#queue.add(objectKey(d.metadata.namespace, d.metadata.name));
    }
  }

  /** Stops all work and timers. */
  stop(): void {
    this.#queue.stop();
  }

  /** Reacts to a committed change. */
  onEvent(event: StoreEvent): void {
    const { resources, cache } = this.#options;
    const is = (type: { group: string; plural: string }): boolean =>
      event.resource.group === type.group && event.resource.plural === type.plural;
    if (is(resources.deployments)) {
      if (event.type !== 'DELETED') {
        this.#queue.add(objectKey(event.object.metadata.namespace, event.object.metadata.name));
      }
      return;
    }
    if (is(resources.replicaSets)) {
      for (const rs of event.oldObject ? [event.oldObject, event.object] : [event.object])
        this.#enqueueOwner(rs);
      return;
    }
    if (is(resources.pods) && event.type === 'DELETED') {
      // Recreate waits for old pods to be gone; their removal is what lets it continue.
      const pod = event.object as Pod;
      const rsRef = pod.metadata.ownerReferences?.find(
        (r) => r.controller === true && r.kind === 'ReplicaSet',
      );
      const rs = rsRef ? cache.replicaSets.get(pod.metadata.namespace, rsRef.name) : undefined;
      const dRef = rs?.metadata.ownerReferences?.find(
        (r) => r.controller === true && r.kind === 'Deployment',
      );
      const d = dRef ? cache.deployments.get(pod.metadata.namespace, dRef.name) : undefined;
      if (d && effectiveDeploymentSpec(d.spec).strategyType === 'Recreate') {
        this.#queue.add(objectKey(d.metadata.namespace, d.metadata.name));
      }
    }
  }

  #enqueueOwner(rs: Readonly<KubeObject>): void {
    const namespace = rs.metadata.namespace ?? '';
    const ref = rs.metadata.ownerReferences?.find((r) => r.controller === true);
    if (ref) {
      if (ref.kind === 'Deployment') this.#queue.add(objectKey(namespace, ref.name));
      return;
    }
    // An orphan ReplicaSet: any Deployment selecting it may adopt it.
    for (const d of this.#options.cache.deployments.inNamespace(namespace)) {
      if (selectorMatches(d.spec?.selector, rs.metadata.labels))
        this.#queue.add(objectKey(namespace, d.metadata.name));
    }
  }

  #syncDeployment(key: string): void {
    const { namespace, name } = splitKey(key);
    const stored = this.#options.cache.deployments.get(namespace, name);
    if (!stored) return;
    const ctx: SyncContext = { key, d: stored, spec: effectiveDeploymentSpec(stored.spec) };
    if (!ctx.spec.selector || selectsEverything(ctx.spec.selector)) {
      // Kubernetes refuses to act on a Deployment selecting every pod; it only observes it.
      const generation = ctx.d.metadata.generation ?? 0;
      if ((ctx.d.status?.observedGeneration ?? 0) < generation) {
        this.#updateStatus(ctx, { ...ctx.d.status, observedGeneration: generation });
      }
      return;
    }
    const rsList = this.#claimReplicaSets(ctx);
    if (ctx.d.metadata.deletionTimestamp) {
      this.#syncStatusOnly(ctx, rsList);
      return;
    }
    this.#checkPausedConditions(ctx);
    if (ctx.spec.paused || this.#isScalingEvent(ctx, rsList)) {
      this.#sync(ctx, rsList);
      return;
    }
    if (ctx.spec.strategyType === 'Recreate') this.#rolloutRecreate(ctx, rsList);
    else this.#rolloutRolling(ctx, rsList);
  }

  // ---- ownership -------------------------------------------------------------------

  /** `ClaimReplicaSets`: owned ReplicaSets the selector matches; adopts orphans, releases strays. */
  #claimReplicaSets(ctx: SyncContext): ReplicaSet[] {
    const { store, resources, cache } = this.#options;
    const namespace = ctx.d.metadata.namespace ?? '';
    const deleting = Boolean(ctx.d.metadata.deletionTimestamp);
    const owned: ReplicaSet[] = [];
    for (const rs of cache.replicaSets.inNamespace(namespace)) {
      const controller = controllerUid(rs);
      const matches = selectorMatches(ctx.spec.selector, rs.metadata.labels);
      if (controller === ctx.d.metadata.uid) {
        if (matches || deleting) {
          owned.push(rs);
          continue;
        }
        store.update(
          resources.replicaSets,
          namespace,
          {
            ...rs,
            metadata: {
              ...rs.metadata,
              ownerReferences: (rs.metadata.ownerReferences ?? []).filter(
                (r) => r.uid !== ctx.d.metadata.uid,
              ),
            },
          },
          { expectedResourceVersion: rs.metadata.resourceVersion },
        );
      } else if (!controller && matches && !deleting && !rs.metadata.deletionTimestamp) {
        owned.push(
          store.update(
            resources.replicaSets,
            namespace,
            {
              ...rs,
              metadata: {
                ...rs.metadata,
                ownerReferences: [...(rs.metadata.ownerReferences ?? []), this.#controllerRef(ctx)],
              },
            },
            { expectedResourceVersion: rs.metadata.resourceVersion },
          ),
        );
      }
    }
    return owned;
  }

  #controllerRef(ctx: SyncContext): NonNullable<KubeObject['metadata']['ownerReferences']>[number] {
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: ctx.d.metadata.name,
      uid: ctx.d.metadata.uid,
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  // ---- writes ----------------------------------------------------------------------

  #updateStatus(ctx: SyncContext, status: DeploymentStatus): void {
    ctx.d = this.#options.store.update(
      this.#options.resources.deployments,
      ctx.d.metadata.namespace,
      { ...ctx.d, status },
      { subresource: 'status', expectedResourceVersion: ctx.d.metadata.resourceVersion },
    );
  }

  /**
   * `SetDeploymentRevision` and, when given, a Progressing condition, written together in one
   * status update as Kubernetes writes them (the status strategy keeps annotations).
   */
  #setRevisionAndCondition(
    ctx: SyncContext,
    revision: string | undefined,
    condition: DeploymentCondition | undefined,
  ): void {
    const revisionChanged =
      revision !== undefined && ctx.d.metadata.annotations?.[REVISION_ANNOTATION] !== revision;
    if (!revisionChanged && !condition) return;
    const d = revisionChanged
      ? {
          ...ctx.d,
          metadata: {
            ...ctx.d.metadata,
            annotations: {
              ...ctx.d.metadata.annotations,
              [REVISION_ANNOTATION]: revision,
            },
          },
        }
      : ctx.d;
    const status = condition
      ? this.#withCondition({ ...ctx, d }, condition)
      : structuredClone(d.status ?? {});
    ctx.d = this.#options.store.update(
      this.#options.resources.deployments,
      d.metadata.namespace,
      { ...d, status },
      { subresource: 'status', expectedResourceVersion: d.metadata.resourceVersion },
    );
  }

  #withCondition(ctx: SyncContext, condition: DeploymentCondition): DeploymentStatus {
    const status = structuredClone(ctx.d.status ?? {});
    setDeploymentCondition(status, condition);
    return status;
  }

  /**
   * `scaleReplicaSet`: sets replicas and the desired/max annotations; returns whether it
   * scaled. `operation` is the direction named in the event (derived when undefined).
   */
  #scaleReplicaSet(
    ctx: SyncContext,
    rs: ReplicaSet,
    newScale: number,
    operation?: string,
  ): { scaled: boolean; rs: ReplicaSet } {
    const annotations = { ...(rs.metadata.annotations ?? {}) };
    const annotationsChanged = setReplicasAnnotations(
      annotations,
      ctx.spec.replicas,
      ctx.spec.replicas + maxSurgeOf(ctx.spec),
    );
    const sizeChanged = specReplicas(rs) !== newScale;
    if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
    const updated = this.#options.store.update(
      this.#options.resources.replicaSets,
      rs.metadata.namespace,
      {
        ...rs,
        metadata: { ...rs.metadata, annotations },
        spec: { ...rs.spec, replicas: newScale },
      },
      { expectedResourceVersion: rs.metadata.resourceVersion },
    ) as ReplicaSet;
    if (sizeChanged) {
      const oldScale = specReplicas(rs);
      const direction = operation ?? (oldScale < newScale ? 'up' : 'down');
      this.#options.events.normal(
        ctx.d,
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeChanged, rs: updated };
  }

  // ---- new and old ReplicaSets -----------------------------------------------------

  #findNewReplicaSet(ctx: SyncContext, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
    // The oldest matching one, should several share the template.
    return [...rsList]
      .sort(byCreation)
      .find((rs) => templatesEqualIgnoringHash(rs.spec?.template, ctx.spec.template));
  }

  #getAllReplicaSetsAndSyncRevision(
    ctx: SyncContext,
    rsList: readonly ReplicaSet[],
    createIfNotExisted: boolean,
  ): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    // Earlier steps of this sync may have written some of them: work on the latest versions.
    const latest = rsList
      .map((rs) => this.#options.cache.replicaSets.get(rs.metadata.namespace, rs.metadata.name))
      .filter(
        (rs): rs is ReplicaSet => rs !== undefined && controllerUid(rs) === ctx.d.metadata.uid,
      );
    const existing = this.#findNewReplicaSet(ctx, latest);
    const oldRSs = latest.filter((rs) => rs.metadata.uid !== existing?.metadata.uid);
    const newRS = this.#getNewReplicaSet(ctx, existing, oldRSs, createIfNotExisted);
    return { newRS, oldRSs };
  }

  #getNewReplicaSet(
    ctx: SyncContext,
    existing: ReplicaSet | undefined,
    oldRSs: readonly ReplicaSet[],
    createIfNotExisted: boolean,
  ): ReplicaSet | undefined {
    const { store, resources } = this.#options;
    const newRevision = maxRevision(oldRSs) + 1;
    const replicaAnnotations = {
      desired: ctx.spec.replicas,
      max: ctx.spec.replicas + maxSurgeOf(ctx.spec),
    };
    if (existing) {
      const annotations = { ...(existing.metadata.annotations ?? {}) };
      const annotationsChanged = setNewReplicaSetAnnotations(
        ctx.d.metadata.annotations,
        annotations,
        newRevision,
        true,
        replicaAnnotations,
      );
      const minReadyChanged = (existing.spec?.minReadySeconds ?? 0) !== ctx.spec.minReadySeconds;
      if (annotationsChanged || minReadyChanged) {
        const spec = { ...existing.spec };
        if (ctx.spec.minReadySeconds) spec.minReadySeconds = ctx.spec.minReadySeconds;
        else delete spec.minReadySeconds;
        return store.update(
          resources.replicaSets,
          existing.metadata.namespace,
          { ...existing, metadata: { ...existing.metadata, annotations }, spec },
          { expectedResourceVersion: existing.metadata.resourceVersion },
        );
      }
      // The revision recorded on the ReplicaSet is the reliable one.
      const found =
        hasProgressDeadline(ctx.spec) && !getDeploymentCondition(ctx.d.status, 'Progressing')
          ? newDeploymentCondition(
              'Progressing',
              'True',
              DeploymentReason.foundNewRS,
              `Found new replica set "${existing.metadata.name}"`,
            )
          : undefined;
      this.#setRevisionAndCondition(ctx, annotations[REVISION_ANNOTATION], found);
      return existing;
    }
    if (!createIfNotExisted) return undefined;

    const namespace = ctx.d.metadata.namespace ?? '';
    const hash = computePodTemplateHash(ctx.spec.template, ctx.d.status?.collisionCount);
    const templateLabels = {
      ...(ctx.spec.template.metadata?.labels ?? {}),
      [POD_TEMPLATE_HASH_LABEL]: hash,
    };
    const template = {
      ...ctx.spec.template,
      metadata: { ...ctx.spec.template.metadata, labels: templateLabels },
    };
    const selector = {
      ...ctx.spec.selector,
      matchLabels: { ...(ctx.spec.selector?.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const name = `${ctx.d.metadata.name}-${hash}`;
    const annotations: Record<string, string> = {};
    setNewReplicaSetAnnotations(
      ctx.d.metadata.annotations,
      annotations,
      newRevision,
      false,
      replicaAnnotations,
    );
    const spec: ReplicaSetSpec = {
      // A new ReplicaSet starts empty; it may grow as far as the surge allows.
      replicas: this.#newRSNewReplicas(ctx, sumReplicas(oldRSs), 0),
      selector,
      template,
    };
    if (ctx.spec.minReadySeconds) spec.minReadySeconds = ctx.spec.minReadySeconds;
    const draft = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace,
        labels: templateLabels,
        annotations,
        ownerReferences: [this.#controllerRef(ctx)],
      },
      spec,
    };

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = store.create(resources.replicaSets, namespace, draft);
    } catch (error) {
      if (error instanceof StoreError && error.reason === 'AlreadyExists') {
        const found = viewAs<ReplicaSet>(store.peek(resources.replicaSets, namespace, name));
        if (
          found &&
          controllerUid(found) === ctx.d.metadata.uid &&
          templatesEqualIgnoringHash(found.spec?.template, ctx.spec.template)
        ) {
          created = found;
          alreadyExists = true;
        } else {
          // A different template hashed to the same name: bump collisionCount and retry.
          this.#updateStatus(ctx, {
            ...ctx.d.status,
            collisionCount: (ctx.d.status?.collisionCount ?? 0) + 1,
          });
          throw error;
        }
      } else {
        if (hasProgressDeadline(ctx.spec)) {
          const message = `Failed to create new replica set "${name}": ${error instanceof Error ? error.message : String(error)}`;
          const condition = newDeploymentCondition(
            'Progressing',
            'False',
            DeploymentReason.failedRSCreate,
            message,
          );
          this.#updateStatus(ctx, this.#withCondition(ctx, condition));
        }
        throw error;
      }
    }
    if (!alreadyExists && specReplicas(created) > 0) {
      this.#options.events.normal(
        ctx.d,
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${specReplicas(created)}`,
      );
    }
    const createdCondition =
      !alreadyExists && hasProgressDeadline(ctx.spec)
        ? newDeploymentCondition(
            'Progressing',
            'True',
            DeploymentReason.newReplicaSet,
            `Created new replica set "${name}"`,
          )
        : undefined;
    this.#setRevisionAndCondition(ctx, String(newRevision), createdCondition);
    return created;
  }

  /** `NewRSNewReplicas`: how big the new ReplicaSet may be now, given all ReplicaSets' replicas. */
  #newRSNewReplicas(ctx: SyncContext, currentTotal: number, newReplicas: number): number {
    if (ctx.spec.strategyType !== 'RollingUpdate') return ctx.spec.replicas;
    const maxSurge = valueFromIntOrPercent(
      ctx.spec.rollingUpdate?.maxSurge ?? 0,
      ctx.spec.replicas,
      true,
    );
    const maxTotal = ctx.spec.replicas + maxSurge;
    if (currentTotal >= maxTotal) return newReplicas;
    return newReplicas + Math.min(maxTotal - currentTotal, ctx.spec.replicas - newReplicas);
  }

  // ---- rollout strategies ----------------------------------------------------------

  #rolloutRolling(ctx: SyncContext, rsList: readonly ReplicaSet[]): void {
    const { newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, true);
    const current = newRS as ReplicaSet;
    const allRSs = [...oldRSs, current];
    if (this.#reconcileNewReplicaSet(ctx, allRSs, current)) {
      this.#syncRolloutStatus(ctx, allRSs, current);
      return;
    }
    if (this.#reconcileOldReplicaSets(ctx, allRSs, filterActive(oldRSs), current)) {
      this.#syncRolloutStatus(ctx, allRSs, current);
      return;
    }
    if (deploymentComplete(ctx.spec, ctx.d.metadata.generation, ctx.d.status))
      this.#cleanupDeployment(ctx, oldRSs);
    this.#syncRolloutStatus(ctx, allRSs, current);
  }

  #reconcileNewReplicaSet(
    ctx: SyncContext,
    allRSs: readonly ReplicaSet[],
    newRS: ReplicaSet,
  ): boolean {
    const have = specReplicas(newRS);
    if (have === ctx.spec.replicas) return false;
    if (have > ctx.spec.replicas)
      return this.#scaleReplicaSet(ctx, newRS, ctx.spec.replicas).scaled;
    return this.#scaleReplicaSet(ctx, newRS, this.#newRSNewReplicas(ctx, sumReplicas(allRSs), have))
      .scaled;
  }

  #reconcileOldReplicaSets(
    ctx: SyncContext,
    allRSs: readonly ReplicaSet[],
    oldRSs: ReplicaSet[],
    newRS: ReplicaSet,
  ): boolean {
    if (sumReplicas(oldRSs) === 0) return false;
    const allPods = sumReplicas(allRSs);
    const minAvailable = ctx.spec.replicas - maxUnavailableOf(ctx.spec);
    // Unavailable new pods must not let old ones go: that would deepen the outage.
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleanedUp = this.#cleanupUnhealthyReplicas(ctx, oldRSs, maxScaledDown);
    const scaledDown = this.#scaleDownOldReplicaSetsForRollingUpdate(
      ctx,
      [...oldRSs, newRS],
      oldRSs,
    );
    return cleanedUp + scaledDown > 0;
  }

  /** Scales down old ReplicaSets' unavailable pods first: removing them costs no availability. */
  #cleanupUnhealthyReplicas(ctx: SyncContext, oldRSs: ReplicaSet[], maxCleanup: number): number {
    oldRSs.sort(byCreation);
    let total = 0;
    for (let i = 0; i < oldRSs.length; i += 1) {
      if (total >= maxCleanup) break;
      const rs = oldRSs[i] as ReplicaSet;
      const replicas = specReplicas(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const scaleDown = Math.min(maxCleanup - total, replicas - available);
      oldRSs[i] = this.#scaleReplicaSet(ctx, rs, replicas - scaleDown).rs;
      total += scaleDown;
    }
    return total;
  }

  #scaleDownOldReplicaSetsForRollingUpdate(
    ctx: SyncContext,
    allRSs: readonly ReplicaSet[],
    oldRSs: ReplicaSet[],
  ): number {
    const minAvailable = ctx.spec.replicas - maxUnavailableOf(ctx.spec);
    let available = 0;
    for (const rs of allRSs) available += rs.status?.availableReplicas ?? 0;
    if (available <= minAvailable) return 0;
    oldRSs.sort(byCreation);
    const target = available - minAvailable;
    let total = 0;
    for (let i = 0; i < oldRSs.length; i += 1) {
      if (total >= target) break;
      const rs = oldRSs[i] as ReplicaSet;
      const replicas = specReplicas(rs);
      if (replicas === 0) continue;
      const scaleDown = Math.min(replicas, target - total);
      oldRSs[i] = this.#scaleReplicaSet(ctx, rs, replicas - scaleDown).rs;
      total += scaleDown;
    }
    return total;
  }

  #rolloutRecreate(ctx: SyncContext, rsList: readonly ReplicaSet[]): void {
    let { newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, false);
    let allRSs = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActive(oldRSs)) {
      if (this.#scaleReplicaSet(ctx, rs, 0).scaled) scaledDown = true;
    }
    if (scaledDown || this.#oldPodsRunning(newRS, oldRSs)) {
      this.#syncRolloutStatus(ctx, allRSs, newRS);
      return;
    }
    if (!newRS) {
      ({ newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS) newRS = this.#scaleReplicaSet(ctx, newRS, ctx.spec.replicas).rs;
    if (deploymentComplete(ctx.spec, ctx.d.metadata.generation, ctx.d.status))
      this.#cleanupDeployment(ctx, oldRSs);
    this.#syncRolloutStatus(ctx, allRSs, newRS);
  }

  /** `oldPodsRunning`: old ReplicaSets report pods, or any old pod is still there (even terminating). */
  #oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    for (const rs of oldRSs) {
      if (rs.metadata.uid === newRS?.metadata.uid) continue;
      for (const pod of this.#options.cache.pods.controlledBy(rs.metadata.uid)) {
        const phase = pod.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') return true;
      }
    }
    return false;
  }

  // ---- scaling events and pausing ---------------------------------------------------

  #isScalingEvent(ctx: SyncContext, rsList: readonly ReplicaSet[]): boolean {
    const { newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, false);
    return filterActive([...oldRSs, newRS]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
      return desired !== undefined && desired !== ctx.spec.replicas;
    });
  }

  /** `sync`: scaling events and paused Deployments - scale, never roll. */
  #sync(ctx: SyncContext, rsList: readonly ReplicaSet[]): void {
    const { newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, false);
    this.#scale(ctx, newRS, oldRSs);
    if (ctx.spec.paused) this.#cleanupDeployment(ctx, oldRSs);
    this.#syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS);
  }

  #syncStatusOnly(ctx: SyncContext, rsList: readonly ReplicaSet[]): void {
    const { newRS, oldRSs } = this.#getAllReplicaSetsAndSyncRevision(ctx, rsList, false);
    this.#syncDeploymentStatus(ctx, [...oldRSs, newRS], newRS);
  }

  #checkPausedConditions(ctx: SyncContext): void {
    if (!hasProgressDeadline(ctx.spec)) return;
    const condition = getDeploymentCondition(ctx.d.status, 'Progressing');
    if (condition?.reason === DeploymentReason.timedOut) return;
    const pausedSet = condition?.reason === DeploymentReason.paused;
    if (ctx.spec.paused && !pausedSet) {
      const next = newDeploymentCondition(
        'Progressing',
        'Unknown',
        DeploymentReason.paused,
        'Deployment is paused',
      );
      this.#updateStatus(ctx, this.#withCondition(ctx, next));
    } else if (!ctx.spec.paused && pausedSet) {
      const next = newDeploymentCondition(
        'Progressing',
        'Unknown',
        DeploymentReason.resumed,
        'Deployment is resumed',
      );
      this.#updateStatus(ctx, this.#withCondition(ctx, next));
    }
  }

  /** `scale`: proportional scaling of all active ReplicaSets. */
  #scale(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
    const activeOrLatest = this.#findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (specReplicas(activeOrLatest) !== ctx.spec.replicas)
        this.#scaleReplicaSet(ctx, activeOrLatest, ctx.spec.replicas);
      return;
    }
    if (this.#isSaturated(ctx, newRS)) {
      for (const rs of filterActive(oldRSs)) this.#scaleReplicaSet(ctx, rs, 0);
      return;
    }
    if (ctx.spec.strategyType !== 'RollingUpdate') return;
    const active = filterActive([...oldRSs, newRS]);
    const allowed = ctx.spec.replicas > 0 ? ctx.spec.replicas + maxSurgeOf(ctx.spec) : 0;
    const toAdd = allowed - sumReplicas(active);
    if (toAdd > 0) {
      // Bigger first; among equals, newer first when scaling up.
      active.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
    } else if (toAdd < 0) {
      // Among equals, older first when scaling down.
      active.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
    }
    const operation = toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '';
    let added = 0;
    const sizes = active.map((rs) => {
      if (toAdd === 0) return specReplicas(rs);
      const proportion = this.#proportion(ctx, rs, toAdd, added);
      added += proportion;
      return specReplicas(rs) + proportion;
    });
    active.forEach((rs, i) => {
      let size = sizes[i] as number;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.#scaleReplicaSet(ctx, rs, size, operation);
    });
  }

  #proportion(ctx: SyncContext, rs: ReplicaSet, toAdd: number, added: number): number {
    const replicas = specReplicas(rs);
    if (replicas === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (ctx.spec.replicas === 0) {
      fraction = -replicas;
    } else {
      const deploymentReplicas = ctx.spec.replicas + maxSurgeOf(ctx.spec);
      const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? ctx.d.status?.replicas ?? 0;
      fraction =
        annotated > 0 ? roundHalfAway((replicas * deploymentReplicas) / annotated) - replicas : 0;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  #findActiveOrLatest(
    newRS: ReplicaSet | undefined,
    oldRSs: readonly ReplicaSet[],
  ): ReplicaSet | undefined {
    if (!newRS && oldRSs.length === 0) return undefined;
    const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
    const active = filterActive([...newestFirst, newRS]);
    if (active.length === 0) return newRS ?? newestFirst[0];
    return active.length === 1 ? active[0] : undefined;
  }

  #isSaturated(ctx: SyncContext, rs: ReplicaSet | undefined): boolean {
    if (!rs) return false;
    return (
      intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION) === ctx.spec.replicas &&
      specReplicas(rs) === ctx.spec.replicas &&
      (rs.status?.availableReplicas ?? 0) === ctx.spec.replicas
    );
  }

  /** Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  #cleanupDeployment(ctx: SyncContext, oldRSs: readonly ReplicaSet[]): void {
    if (ctx.spec.revisionHistoryLimit === MAX_INT32) return;
    const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const excess = alive.length - ctx.spec.revisionHistoryLimit;
    for (let i = 0; i < excess; i += 1) {
      const rs = alive[i] as ReplicaSet;
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)
      ) {
        continue;
      }
      try {
        this.#options.store.delete(
          this.#options.resources.replicaSets,
          rs.metadata.namespace,
          rs.metadata.name,
          {
            preconditions: { uid: rs.metadata.uid },
          },
        );
      } catch (error) {
        if (!(error instanceof StoreError && error.reason === 'NotFound')) throw error;
      }
    }
  }

  // ---- status ----------------------------------------------------------------------

  #syncDeploymentStatus(
    ctx: SyncContext,
    allRSs: readonly (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
  ): void {
    const status = calculateDeploymentStatus(allRSs, newRS, ctx.d, ctx.spec);
    if (!isDeepStrictEqual(ctx.d.status ?? {}, status)) this.#updateStatus(ctx, status);
  }

  /** `syncRolloutStatus`: status plus the Progressing condition during a rollout. */
  #syncRolloutStatus(
    ctx: SyncContext,
    allRSs: readonly (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
  ): void {
    const now = Date.now();
    const status = calculateDeploymentStatus(allRSs, newRS, ctx.d, ctx.spec, now);
    if (!hasProgressDeadline(ctx.spec)) removeDeploymentCondition(status, 'Progressing');
    const current = getDeploymentCondition(ctx.d.status, 'Progressing');
    const isComplete =
      (status.replicas ?? 0) === (status.updatedReplicas ?? 0) &&
      current?.reason === DeploymentReason.newRSAvailable;
    const subject = newRS
      ? `ReplicaSet "${newRS.metadata.name}"`
      : `Deployment "${ctx.d.metadata.name}"`;
    if (hasProgressDeadline(ctx.spec) && !isComplete) {
      if (deploymentComplete(ctx.spec, ctx.d.metadata.generation, status)) {
        setDeploymentCondition(
          status,
          newDeploymentCondition(
            'Progressing',
            'True',
            DeploymentReason.newRSAvailable,
            `${subject} has successfully progressed.`,
            now,
          ),
        );
      } else if (deploymentProgressing(ctx.d.status, status)) {
        const condition = newDeploymentCondition(
          'Progressing',
          'True',
          DeploymentReason.replicaSetUpdated,
          `${subject} is progressing.`,
          now,
        );
        // Progress refreshes lastUpdateTime even when the reason stays the same.
        if (current) {
          if (current.status === 'True') condition.lastTransitionTime = current.lastTransitionTime;
          removeDeploymentCondition(status, 'Progressing');
        }
        setDeploymentCondition(status, condition);
      } else if (deploymentTimedOut(ctx.spec, status, now)) {
        setDeploymentCondition(
          status,
          newDeploymentCondition(
            'Progressing',
            'False',
            DeploymentReason.timedOut,
            `${subject} has timed out progressing.`,
            now,
          ),
        );
      }
    }
    const failure = this.#replicaFailure(allRSs, newRS);
    if (failure) setDeploymentCondition(status, failure);
    else removeDeploymentCondition(status, 'ReplicaFailure');
    if (isDeepStrictEqual(ctx.d.status ?? {}, status)) {
      this.#requeueStuckDeployment(ctx, status, now);
      return;
    }
    this.#updateStatus(ctx, status);
  }

  #replicaFailure(
    allRSs: readonly (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
  ): DeploymentCondition | undefined {
    // Failures of the new ReplicaSet win over those of old ones.
    for (const rs of [newRS, ...allRSs]) {
      const condition = rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
      if (condition) {
        return {
          type: condition.type,
          status: condition.status,
          lastUpdateTime: condition.lastTransitionTime,
          lastTransitionTime: condition.lastTransitionTime,
          reason: condition.reason,
          message: condition.message,
        };
      }
    }
    return undefined;
  }

  /** Schedules the progress-deadline check for a rollout that has not moved. */
  #requeueStuckDeployment(ctx: SyncContext, status: DeploymentStatus, now: number): void {
    const condition = getDeploymentCondition(ctx.d.status, 'Progressing');
    if (!hasProgressDeadline(ctx.spec) || !condition) return;
    if (
      deploymentComplete(ctx.spec, ctx.d.metadata.generation, status) ||
      condition.reason === DeploymentReason.timedOut
    ) {
      return;
    }
    const from = parseKubeTime(condition.lastUpdateTime);
    if (from === undefined) return;
    const after = from + ctx.spec.progressDeadlineSeconds * 1000 - now;
    // Just past the deadline the check times out; Kubernetes adds a second for clock skew.
    this.#queue.addAfter(ctx.key, after < 1000 ? Math.max(0, after) + 20 : after + 1000);
  }
}
