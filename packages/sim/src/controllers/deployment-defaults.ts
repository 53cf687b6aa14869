/**
 * Deployment defaulting (`SetDefaults_Deployment` of apps/v1 plus the pod template
 * defaults). The API server applies it on create and update; `defaultDeployment` is the
 * function it should call. Until it does, the controller reads every Deployment through
 * `effectiveDeploymentSpec`, which treats missing fields as their defaults without writing
 * them back.
 */
import type { KubeObjectInput } from '../store/object-store.js';
import type { DeploymentSpec, LabelSelector, PodTemplateSpec } from './kube-shapes.js';
import { defaultPodTemplate } from './pod-defaults.js';

/** Kubernetes' "no limit" sentinel for progressDeadlineSeconds and revisionHistoryLimit. */
export const MAX_INT32 = 2147483647;

/** A DeploymentSpec with every defaulted field present. */
export interface EffectiveDeploymentSpec {
  /** Desired replicas. */
  replicas: number;
  /** Selector as written (never defaulted: apps/v1 requires it). */
  selector: LabelSelector | undefined;
  /** Defaulted pod template. */
  template: PodTemplateSpec;
  /** `RollingUpdate` or `Recreate`. */
  strategyType: string;
  /** Rolling update bounds; undefined for Recreate. */
  rollingUpdate?: { maxSurge: number | string; maxUnavailable: number | string };
  /** Seconds a pod must be ready to be available. */
  minReadySeconds: number;
  /** Old ReplicaSets to keep. */
  revisionHistoryLimit: number;
  /** Seconds without progress before the rollout is reported failed. */
  progressDeadlineSeconds: number;
  /** Paused. */
  paused: boolean;
}

/** The spec as the controller must see it: the written spec with Kubernetes' defaults. */
export function effectiveDeploymentSpec(spec: DeploymentSpec | undefined): EffectiveDeploymentSpec {
  const strategyType = spec?.strategy?.type || 'RollingUpdate';
  const effective: EffectiveDeploymentSpec = {
    replicas: spec?.replicas ?? 1,
    selector: spec?.selector,
    template: defaultPodTemplate(spec?.template),
    strategyType,
    minReadySeconds: spec?.minReadySeconds ?? 0,
    revisionHistoryLimit: spec?.revisionHistoryLimit ?? 10,
    progressDeadlineSeconds: spec?.progressDeadlineSeconds ?? 600,
    paused: spec?.paused ?? false,
  };
  if (strategyType === 'RollingUpdate') {
    effective.rollingUpdate = {
      maxSurge: spec?.strategy?.rollingUpdate?.maxSurge ?? '25%',
      maxUnavailable: spec?.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
    };
  }
  return effective;
}

/**
 * A copy of a Deployment (as written by a client) with the API server's defaults applied:
 * replicas 1, RollingUpdate with 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds
 * 600, and pod template defaults. Fields already set are kept. Idempotent.
 */
export function defaultDeployment<T extends KubeObjectInput>(deployment: T): T {
  const copy = structuredClone(deployment);
  const spec = (copy.spec ?? {}) as DeploymentSpec;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = (strategy.rollingUpdate ??= {});
    rolling.maxUnavailable ??= '25%';
    rolling.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template = defaultPodTemplate(spec.template);
  (copy as KubeObjectInput).spec = spec;
  return copy;
}
