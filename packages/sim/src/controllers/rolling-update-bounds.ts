/**
 * maxSurge / maxUnavailable arithmetic of a rolling update, as Kubernetes' deployment
 * utilities do it (`intstr.GetValueFromIntOrPercent`, `ResolveFenceposts`, `MaxSurge`,
 * `MaxUnavailable`): surge percentages round up, unavailability percentages round down,
 * and when both resolve to zero one pod may be unavailable.
 */

/** Resolved rolling-update bounds for a replica count. */
export interface RollingUpdateBounds {
  /** Pods allowed above the desired count. */
  maxSurge: number;
  /** Pods allowed to be unavailable below the desired count. */
  maxUnavailable: number;
}

/**
 * The absolute value of an int-or-percent against `total`. Throws for strings that are
 * not percentages, like Kubernetes does (validation normally rejects them first).
 */
export function valueFromIntOrPercent(
  value: number | string,
  total: number,
  roundUp: boolean,
): number {
  if (typeof value === 'number') return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match) {
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** `ResolveFenceposts`: resolves both bounds at once (missing values count as 0). */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): RollingUpdateBounds {
  const surge = valueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = valueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) {
    // Rounding may zero both; then one pod may be unavailable, in case surge is impossible.
    unavailable = 1;
  }
  return { maxSurge: surge, maxUnavailable: unavailable };
}

/** The strategy fields the bounds depend on. */
export interface StrategyView {
  /** Desired replicas. */
  replicas: number;
  /** `RollingUpdate` or `Recreate`. */
  strategyType: string;
  /** Rolling update parameters (defaulted). */
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** `MaxSurge`: 0 unless rolling. */
export function maxSurgeOf(view: StrategyView): number {
  if (view.strategyType !== 'RollingUpdate') return 0;
  return resolveFenceposts(
    view.rollingUpdate?.maxSurge,
    view.rollingUpdate?.maxUnavailable,
    view.replicas,
  ).maxSurge;
}

/** `MaxUnavailable`: 0 unless rolling with replicas, and never more than the replicas. */
export function maxUnavailableOf(view: StrategyView): number {
  if (view.strategyType !== 'RollingUpdate' || view.replicas === 0) return 0;
  const { maxUnavailable } = resolveFenceposts(
    view.rollingUpdate?.maxSurge,
    view.rollingUpdate?.maxUnavailable,
    view.replicas,
  );
  return Math.min(maxUnavailable, view.replicas);
}
