/**
 * Whether a request to a pod port arrived on the pod's loopback (port-forward, exec) or
 * from outside (the API server's pods/proxy). istiod serves `/debug/*` without
 * authentication only on loopback (Istio `allowAuthenticatedOrLocalhost`, istio.md
 * section 1), and the API server strips `Authorization`, so proxied requests get 401.
 *
 * The simulated pod network carries no addresses. Until the API server marks its proxied
 * connections explicitly, a request counts as proxied when its socket has a non-loopback
 * remote address or it carries `X-Forwarded-For`, which the Kubernetes API server's proxy
 * handler adds and a port-forward never does. `IstioControlPlane` takes a replacement.
 */
import type { IncomingMessage } from 'node:http';

/** Decides whether a request arrived on the pod's loopback. */
export type LoopbackCheck = (request: IncomingMessage) => boolean;

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** The default check (see the module comment). */
export const arrivedOnLoopback: LoopbackCheck = (request) => {
  const address = request.socket.remoteAddress;
  if (address !== undefined && !isLoopbackAddress(address)) return false;
  return request.headers['x-forwarded-for'] === undefined;
};
