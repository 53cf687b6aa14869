/**
 * Where the sync gate reads `/debug/syncz` from: every istiod replica through a port-forward
 * (`IstiodPortForwardSource`), or one URL with a bearer token (`IstiodUrlSource`). Unit tests
 * pass a fake.
 */
import type { ProxyRouteStatus } from './syncz-status.js';

/** One replica's answer to one poll. */
export interface SynczReplicaAnswer {
  /** istiod replica (pod name, or the URL's host). */
  readonly istiod: string;
  /** Route statuses it reported; undefined when it did not answer usably this time. */
  readonly statuses: readonly ProxyRouteStatus[] | undefined;
  /** Why it did not answer (redacted), when it did not. */
  readonly error?: string | undefined;
}

/** Result of one poll of every replica. */
export interface SynczPoll {
  /** One answer per replica found, in a stable order. */
  readonly answers: readonly SynczReplicaAnswer[];
  /** Why no replica could even be asked (none found, pods not listable); undefined otherwise. */
  readonly problem?: string | undefined;
}

/** Reads syncz from every istiod replica. */
export interface SynczSource {
  /** Namespace searched for istiod (for IstiodUnavailableError). */
  readonly namespace: string;
  /** Label selector of istiod pods, or the URL, for IstiodUnavailableError. */
  readonly selector: string;
  /**
   * Asks every replica once. Never rejects for an unreachable istiod (answers carry the
   * error); rejects only when `signal` aborts.
   */
  poll(signal?: AbortSignal): Promise<SynczPoll>;
  /** Releases connections (port-forwards). Safe to call twice. */
  close(): Promise<void>;
}
