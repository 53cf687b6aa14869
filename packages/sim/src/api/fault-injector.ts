/**
 * Injected API failures (scenario `api.faults`): per verb and resource, a share of requests
 * fails with a 500, a 429 with Retry-After, or a dropped connection. Draws come from a
 * seeded PRNG so a scenario replays the same failure sequence for the same requests.
 */
import type { ApiFault } from '../scenario/scenario-schema.js';
import { seededRandom } from '../traffic/seeded-random.js';

/** Verbs faults can name (deletecollection counts as delete). */
export type FaultVerb = ApiFault['verbs'][number];

/** Decides which requests fail. */
export class FaultInjector {
  #faults: readonly ApiFault[];
  readonly #random: () => number;
  readonly #injected: Record<ApiFault['kind'], number> = { error: 0, throttle: 0, drop: 0 };

  constructor(faults: readonly ApiFault[] = [], seed = 1) {
    this.#faults = faults;
    this.#random = seededRandom(seed);
  }

  /** Replaces the active faults. */
  setFaults(faults: readonly ApiFault[]): void {
    this.#faults = faults;
  }

  /** The active faults. */
  faults(): readonly ApiFault[] {
    return this.#faults;
  }

  /**
   * The fault to inject for one request, or undefined. `resource` is the plural, with
   * `/<subresource>` for subresource requests (`deployments/status`, `pods/portforward`):
   * a fault naming `pods` does not hit `pods/portforward`. Each matching fault draws once.
   */
  pick(verb: FaultVerb, resource: string): ApiFault | undefined {
    for (const fault of this.#faults) {
      if (fault.verbs.length > 0 && !fault.verbs.includes(verb)) continue;
      if (fault.resources.length > 0 && !fault.resources.includes(resource)) continue;
      if (fault.rate <= 0) continue;
      if (fault.rate >= 1 || this.#random() < fault.rate) {
        this.#injected[fault.kind] += 1;
        return fault;
      }
    }
    return undefined;
  }

  /** How many faults of each kind were injected so far. */
  injected(): Readonly<Record<ApiFault['kind'], number>> {
    return { ...this.#injected };
  }
}
