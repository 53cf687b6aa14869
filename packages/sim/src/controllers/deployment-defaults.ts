/**
 * Deployment defaults as the controller reads them (`SetDefaults_Deployment` of apps/v1 plus
 * the pod template defaults). The API server writes them on create and update
 * (`api/builtin-defaults.ts`); the controller still reads every Deployment through
 * `effectiveDeploymentSpec`, so objects stored without the API server (tests, the Istio
 * install) behave the same.
 */
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
