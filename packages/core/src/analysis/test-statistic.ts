/**
 * How a sequential statistic is reported: its log (the exact figure), the likelihood ratio
 * itself (capped, since e^1000 is not a double), and the threshold it must reach.
 */

/** One sequential statistic, now. */
export interface TestStatistic {
  /** Natural log of the mixture likelihood ratio now. */
  readonly logLikelihoodRatio: number;
  /** The likelihood ratio (capped at the largest double; read the log for its size). */
  readonly likelihoodRatio: number;
  /** The ratio it must reach to decide: 1/alpha or 1/beta. */
  readonly threshold: number;
}

/** How a reason names the events a check counts. */
export interface EventWording {
  /** What happened to an event request, after "N of M requests": `failed`, `were slower than 250 ms`. */
  readonly events: string;
}

/** Failed requests. */
export const FAILED_REQUESTS: EventWording = Object.freeze({ events: 'failed' });

/** The statistic with log `logRatio` and threshold `threshold`. */
export function testStatistic(logRatio: number, threshold: number): TestStatistic {
  return { logLikelihoodRatio: logRatio, likelihoodRatio: cappedRatio(logRatio), threshold };
}

/** `e^logRatio`, capped at the largest double. */
export function cappedRatio(logRatio: number): number {
  return Math.min(Math.exp(logRatio), Number.MAX_VALUE);
}
