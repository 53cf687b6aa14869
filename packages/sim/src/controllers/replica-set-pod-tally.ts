/**
 * Running counts of each ReplicaSet's pods - active, ready, fully labelled - kept up to
 * date from pod events in O(1) per event. A ReplicaSet of 10,000 pods then computes its
 * status without walking its pods whenever one of them turns ready. Only a change of the
 * ReplicaSet's template labels needs a recount of its pods.
 */
import type { Pod } from './kube-shapes.js';
import { isPodReady } from './kubelet.js';
import { labelsMatch } from '../go-faithful/label-selector.js';

/** Counts for one ReplicaSet. */
export interface PodCounts {
  /** Pods neither terminal nor terminating. */
  active: number;
  /** Active pods that are ready. */
  ready: number;
  /** Active pods carrying every template label. */
  fullyLabeled: number;
  /** Pods being deleted (deletionTimestamp set) that have not finished. */
  terminating: number;
}

interface PodEntry {
  owner: string;
  active: boolean;
  terminating: boolean;
  ready: boolean;
  labeled: boolean;
}

/** Per-ReplicaSet pod counts maintained incrementally. */
export class ReplicaSetPodTally {
  readonly #entries = new Map<string, PodEntry>();
  readonly #counts = new Map<string, PodCounts>();

  /**
   * Records the current version of a pod (undefined once it is gone). `owner` is the uid of
   * its controlling ReplicaSet (undefined for other pods); `templateLabels` that
   * ReplicaSet's template labels; `active` whether the pod counts towards replicas;
   * `terminating` whether it is being deleted and not yet terminal.
   */
  record(
    podKey: string,
    pod: Readonly<Pod> | undefined,
    owner: string | undefined,
    templateLabels: Readonly<Record<string, string>> | undefined,
    active: boolean,
    terminating: boolean,
  ): void {
    const before = this.#entries.get(podKey);
    if (before) this.#apply(before, -1);
    if (!pod || !owner) {
      this.#entries.delete(podKey);
      return;
    }
    const entry: PodEntry = {
      owner,
      active,
      terminating,
      ready: active && isPodReady(pod),
      labeled:
        active && templateLabels !== undefined && labelsMatch(templateLabels, pod.metadata.labels),
    };
    this.#entries.set(podKey, entry);
    this.#apply(entry, 1);
  }

  /** The counts of a ReplicaSet (zeros when it has no pods). */
  counts(owner: string): PodCounts {
    return this.#counts.get(owner) ?? { active: 0, ready: 0, fullyLabeled: 0, terminating: 0 };
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#counts.clear();
  }

  #apply(entry: PodEntry, sign: 1 | -1): void {
    let counts = this.#counts.get(entry.owner);
    if (!counts) {
      counts = { active: 0, ready: 0, fullyLabeled: 0, terminating: 0 };
      this.#counts.set(entry.owner, counts);
    }
    if (entry.active) counts.active += sign;
    if (entry.ready) counts.ready += sign;
    if (entry.labeled) counts.fullyLabeled += sign;
    if (entry.terminating) counts.terminating += sign;
    if (
      counts.active === 0 &&
      counts.ready === 0 &&
      counts.fullyLabeled === 0 &&
      counts.terminating === 0
    )
      this.#counts.delete(entry.owner);
  }
}
