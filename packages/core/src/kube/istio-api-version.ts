/**
 * Which version of an Istio API group (`networking.istio.io`, `security.istio.io`) to talk
 * to. v1 is served since Istio 1.22; older control planes serve v1beta1 (and v1alpha3). The
 * API's group discovery (`GET /apis/<group>`) is asked once per client and group and the
 * answer cached; a failed discovery is not cached, so the next call asks again.
 */
import { KubeApiError } from '../errors.js';
import type { KubeRequester } from './kube-requester.js';
import type { CallOptions } from './kube-types.js';

/** The Istio networking API group. */
export const ISTIO_NETWORKING_GROUP = 'networking.istio.io';

/** The Istio security API group (PeerAuthentication). */
export const ISTIO_SECURITY_GROUP = 'security.istio.io';

/** Versions switchyard can use, most preferred first. */
export const ISTIO_NETWORKING_VERSIONS = ['v1', 'v1beta1'] as const;

/** A usable Istio networking version. */
export type IstioNetworkingVersion = (typeof ISTIO_NETWORKING_VERSIONS)[number];

/** The preferred usable version among those an `APIGroup` discovery document lists, or undefined. */
export function chooseIstioVersion(apiGroup: unknown): IstioNetworkingVersion | undefined {
  const versions = (apiGroup as { versions?: unknown } | undefined)?.versions;
  if (!Array.isArray(versions)) return undefined;
  const served = new Set(
    versions.map((v) => (v as { version?: unknown }).version).filter((v) => typeof v === 'string'),
  );
  return ISTIO_NETWORKING_VERSIONS.find((v) => served.has(v));
}

/** Discovers and caches the version of one Istio API group for one client. */
export class IstioApiVersion {
  readonly #requester: KubeRequester;
  readonly #group: string;
  #pending: Promise<IstioNetworkingVersion> | undefined;

  /**
   * @param requester sends the discovery call
   * @param group the API group (default `networking.istio.io`)
   */
  constructor(requester: KubeRequester, group: string = ISTIO_NETWORKING_GROUP) {
    this.#requester = requester;
    this.#group = group;
  }

  /**
   * The version to use. Rejects with KubeApiError (reason `NotFound`) when the cluster serves
   * neither v1 nor v1beta1 of the group (Istio not installed, or too old).
   */
  resolve(options: CallOptions = {}): Promise<IstioNetworkingVersion> {
    this.#pending ??= this.#discover(options).catch((error: unknown) => {
      this.#pending = undefined;
      throw error;
    });
    return this.#pending;
  }

  async #discover(options: CallOptions): Promise<IstioNetworkingVersion> {
    const call = { verb: 'discover', target: `API group ${this.#group}` };
    let group: unknown;
    try {
      group = await this.#requester.call<unknown>(
        call,
        { method: 'GET', path: `/apis/${this.#group}` },
        { retrySafe: true, signal: options.signal },
      );
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 404) {
        throw new KubeApiError(
          `${call.verb} ${call.target}: not served by this cluster; is Istio installed?`,
          { statusCode: 404, reason: 'NotFound', verb: call.verb },
          { cause: error },
        );
      }
      throw error;
    }
    const version = chooseIstioVersion(group);
    if (!version) {
      const listed = ((group as { versions?: { version?: string }[] } | undefined)?.versions ?? [])
        .map((v) => v.version)
        .join(', ');
      throw new KubeApiError(
        `${call.verb} ${call.target}: serves ${listed || 'no versions'}; switchyard needs ${ISTIO_NETWORKING_VERSIONS.join(' or ')} (Istio 1.22 or later serves v1)`,
        { statusCode: 404, reason: 'NotFound', verb: call.verb },
      );
    }
    return version;
  }
}
