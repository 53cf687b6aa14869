/**
 * What istiod does differently from one release to the next, for the Istio version a
 * scenario runs (`istio.version`, which proxies also report in syncz `istio_version`).
 * Each flag names the release that changed the behaviour and where, so the simulator
 * follows the version it claims to be.
 */

/** Version-dependent istiod behaviour. */
export interface IstioFeatures {
  /**
   * 1.27+: `PILOT_ENABLE_ABSOLUTE_FQDN_VHOST_DOMAIN` defaults on (istio#56008): a sidecar
   * virtual host also answers for the absolute FQDN, `reviews.bookinfo.svc.cluster.local.`.
   */
  absoluteFqdnVhostDomain: boolean;
  /**
   * 1.31+: "Remove concept of full push" (istio#59808): every push, an endpoints-only one
   * included, starts a new push context, so its version (and nonce prefix) is new. Before,
   * an endpoints-only push reused the current push context's version.
   */
  newPushContextPerPush: boolean;
}

/** `1.26.2` -> [1, 26]; undefined when the version does not start with `major.minor`. */
function majorMinor(version: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * The behaviour of istiod `version`. A version that is not `major.minor...` (a dev build
 * such as `master`) behaves as the newest release.
 */
export function istioFeatures(version: string): IstioFeatures {
  const parsed = majorMinor(version);
  const atLeast = (minor: number): boolean =>
    parsed === undefined || parsed[0] > 1 || (parsed[0] === 1 && parsed[1] >= minor);
  return {
    absoluteFqdnVhostDomain: atLeast(27),
    newPushContextPerPush: atLeast(31),
  };
}
