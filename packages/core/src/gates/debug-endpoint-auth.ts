/**
 * Why istiod refused a debug request (`sync.istiod.url`), and what to do about it, from
 * istiod's own rules (pilot/pkg/xds/debug.go, `allowAuthenticatedOrLocalhost` and
 * `AuthorizeDebugRequest`, in the istio.io/istio the test bed pins):
 *
 * - A request from loopback is served unrestricted: the port-forward path (a port-forward
 *   arrives on the pod's loopback) never meets these rules.
 * - Any other request must carry `Authorization: Bearer <token>` that istiod's Kubernetes
 *   JWT authenticator accepts: a service account token whose audience is `istio-ca`
 *   (`TOKEN_AUDIENCES`), checked by a TokenReview. Otherwise 401, empty body.
 * - With `ENABLE_DEBUG_ENDPOINT_AUTH` (on by default), the token's namespace must then be
 *   the mesh root namespace (istio-system unless meshConfig.rootNamespace says otherwise)
 *   or listed in `DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES` (comma-separated, istiod's
 *   environment); other namespaces may read only config_dump, ndsz and edsz. Otherwise 403,
 *   empty body.
 *
 * The token is never shown: only the namespace and name of its service account, read from
 * its (unverified) claims.
 */

/** The service account a token claims, when it is a readable Kubernetes JWT. */
export interface TokenServiceAccount {
  /** Namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly name: string;
}

/** The service account `token` claims (`sub: system:serviceaccount:<ns>:<name>`), if any. */
export function serviceAccountOfToken(token: string): TokenServiceAccount | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const sub = (claims as { sub?: unknown } | null)?.sub;
    if (typeof sub !== 'string') return undefined;
    const [system, kind, namespace, name] = sub.split(':');
    if (system !== 'system' || kind !== 'serviceaccount' || !namespace || !name) return undefined;
    return { namespace, name };
  } catch {
    return undefined;
  }
}

/** What istiod's refusal means and how to fix it, or `''` for a status that is no refusal. */
export function debugAuthRefusal(
  status: number,
  token: string | undefined,
  istiodNamespace: string,
): string {
  if (status === 401)
    return token
      ? ': istiod did not accept the token (it takes a service account token with audience istio-ca: ' +
          'kubectl create token <service-account> --audience istio-ca)'
      : ': istiod serves its debug endpoint off loopback only with a service account token: set ' +
          'sync.istiod.tokenFile or tokenEnv (a token with audience istio-ca), or leave sync.istiod.url unset ' +
          'to reach every istiod by port-forward';
  if (status !== 403) return '';
  const account = token ? serviceAccountOfToken(token) : undefined;
  const namespace = account?.namespace ?? '<token namespace>';
  return (
    `: istiod's debug endpoint authorization (ENABLE_DEBUG_ENDPOINT_AUTH, on by default) serves syncz only to ` +
    `service accounts of the mesh root namespace (${istiodNamespace} unless meshConfig.rootNamespace says otherwise) ` +
    `and of the namespaces in DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES` +
    (account ? `, and the token is service account ${account.namespace}/${account.name}` : '') +
    `. Fix: add "${namespace}" to DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES in istiod's environment ` +
    `(istiod Helm chart: --set env.DEBUG_ENDPOINT_AUTH_ALLOWED_NAMESPACES=${namespace}), or use a token of a service account in ` +
    `${istiodNamespace}, or leave sync.istiod.url unset to reach every istiod by port-forward (loopback is not restricted)`
  );
}
