/**
 * istiod's xDS nonces (docs/reference/istio.md §1). Since Istio 1.12 a nonce is the push
 * version (`RFC3339 time + "/" + counter`) immediately followed by a random UUID, with no
 * separator; older istiods sent a bare UUID. The UUID has a fixed shape (36 characters),
 * which is what separates it from the counter: `…Z/42` + `7c0a3f1…` cannot be split on
 * digits alone.
 */

/** What a nonce says about its push. */
export interface NoncePushVersion {
  /** Push version (`2026-11-02T10:00:00Z/42`), or `''` for a bare-UUID nonce. */
  version: string;
  /** Push context time in ms since the epoch (second precision), when the version has one. */
  time: number | undefined;
  /** Push counter of that istiod replica, when the version has one. */
  counter: number | undefined;
}

const UUID_SUFFIX = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERSION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))\/(\d+)$/;

const NO_VERSION: NoncePushVersion = Object.freeze({
  version: '',
  time: undefined,
  counter: undefined,
});

/**
 * Splits a nonce into its push version, time and counter. A nonce without a recognisable
 * version (bare UUID, empty, anything else) yields no time and no counter.
 */
export function parseNonce(nonce: string): NoncePushVersion {
  if (nonce === '') return NO_VERSION;
  const uuid = UUID_SUFFIX.exec(nonce);
  const version = uuid ? nonce.slice(0, uuid.index) : nonce;
  const match = VERSION.exec(version);
  if (!match) return { version, time: undefined, counter: undefined };
  const time = Date.parse(match[1] as string);
  return {
    version,
    time: Number.isNaN(time) ? undefined : time,
    counter: Number(match[2]),
  };
}
