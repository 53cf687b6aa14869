/**
 * Response latency as a log-normal distribution given by its median and 99th percentile,
 * the two numbers people know about a service (scenario `latency: {medianMs, p99Ms}`).
 */
import type { Latency } from '../scenario/scenario-schema.js';
import type { RandomSource } from './seeded-random.js';

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.3263478740408408;

/** Samples latencies in milliseconds from a log-normal distribution. */
export class LatencyDistribution {
  readonly #median: number;
  readonly #mu: number;
  readonly #sigma: number;
  readonly #zero: boolean;

  constructor(latency: Latency) {
    this.#median = latency.medianMs;
    this.#zero = latency.medianMs <= 0;
    this.#mu = this.#zero ? 0 : Math.log(latency.medianMs);
    // ln(p99) = mu + z99 * sigma, so sigma follows from the ratio of p99 to the median.
    this.#sigma =
      this.#zero || latency.p99Ms <= latency.medianMs
        ? 0
        : (Math.log(latency.p99Ms) - this.#mu) / Z_99;
  }

  /** One latency sample in milliseconds (>= 0). */
  sample(random: RandomSource): number {
    if (this.#zero) return 0;
    if (this.#sigma === 0) return this.#median;
    return Math.exp(this.#mu + this.#sigma * standardNormal(random));
  }
}

/** A standard normal sample by the Box-Muller transform. */
function standardNormal(random: RandomSource): number {
  // 1 - random() is in (0, 1], so the logarithm stays finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
