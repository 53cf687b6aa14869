/**
 * Port-forward to a pod port, the way `kubectl port-forward` does it, for istiod's
 * `/debug/syncz` and Envoy's admin `config_dump` (the API server's pod proxy strips the
 * Authorization header istiod needs, see docs/reference/istio.md §1). Opening one, and
 * one-shot requests through one; the mechanics are in `active-port-forward.ts`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PortForwardError } from '../errors.js';
import { ActivePortForward, podRef, snippet } from './active-port-forward.js';
import type {
  ForwardedPort,
  ForwardedRequestOptions,
  ForwardedResponse,
  OpenPortForwardOptions,
  PortForwarder,
  PortForwardTarget,
} from './port-forward-types.js';

export type {
  ForwardedPort,
  ForwardedRequestOptions,
  ForwardedResponse,
  OpenPortForwardOptions,
  PortForwarder,
  PortForwardTarget,
} from './port-forward-types.js';

/** {@link PortForwarder} over the API server. */
export class KubePortForwarder implements PortForwarder {
  readonly #kubeConfig: KubeConfig;

  /** @param kubeConfig kubeconfig with the context selected */
  constructor(kubeConfig: KubeConfig) {
    this.#kubeConfig = kubeConfig;
  }

  open(target: PortForwardTarget, options?: OpenPortForwardOptions): Promise<ForwardedPort> {
    return openPortForward(this.#kubeConfig, target, options);
  }
}

/**
 * Opens a port-forward to `target`. Rejects with PortForwardError when the listener cannot be
 * opened or (with `verify`) the first WebSocket fails: pod missing, RBAC, API unreachable.
 */
export async function openPortForward(
  kubeConfig: KubeConfig,
  target: PortForwardTarget,
  options: OpenPortForwardOptions = {},
): Promise<ForwardedPort> {
  const forward = new ActivePortForward(kubeConfig, target, options.secrets ?? []);
  await forward.listen();
  if (options.verify ?? true) {
    try {
      await forward.probe();
    } catch (error) {
      await forward.close();
      throw error;
    }
  }
  return forward;
}

/** Options of the one-shot helpers. */
export type OneShotOptions = PortForwardTarget &
  ForwardedRequestOptions & { /** Path and query, e.g. `/debug/syncz`. */ path: string };

/** Opens a forward, sends one request, closes the forward. */
export async function fetchViaPortForward(
  kubeConfig: KubeConfig,
  options: OneShotOptions,
): Promise<ForwardedResponse> {
  const { namespace, pod, port, path, ...request } = options;
  const forward = await openPortForward(kubeConfig, { namespace, pod, port }, { verify: false });
  try {
    return await forward.fetch(path, request);
  } finally {
    await forward.close();
  }
}

/** Like {@link fetchViaPortForward}, for a JSON answer; a non-2xx status or invalid JSON rejects with PortForwardError. */
export async function getJsonViaPortForward(
  kubeConfig: KubeConfig,
  options: OneShotOptions,
): Promise<unknown> {
  const response = await fetchViaPortForward(kubeConfig, options);
  return parseJsonResponse(response, options, options.path);
}

/** The JSON body of a 2xx `response`; PortForwardError otherwise. */
export function parseJsonResponse(
  response: ForwardedResponse,
  target: PortForwardTarget,
  path: string,
): unknown {
  const text = response.body.toString('utf8');
  if (response.status < 200 || response.status > 299) {
    throw new PortForwardError(
      podRef(target),
      target.port,
      `GET ${path} answered ${response.status}: ${snippet(text)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PortForwardError(
      podRef(target),
      target.port,
      `GET ${path} answered invalid JSON: ${snippet(text)}`,
      { cause: error },
    );
  }
}
