/**
 * Prometheus inside the cluster (`prometheus.service: monitoring/prometheus:9090`), reached
 * the way `kubectl port-forward svc/...` does it: resolve the Service's selector and the
 * target port of the Service port, pick a ready pod behind it, forward to that pod. The
 * forward is kept for later queries and rebuilt (with a fresh pod choice) after a failure,
 * so a Prometheus pod restarted between two evaluations is followed.
 */
import { labelSelectorText } from '../kube/label-selector.js';
import { isPodReady } from '../kube/pod-readiness.js';
import type { PodLister, ServiceReader } from '../kube/resource-apis.js';
import type { Pod, ServicePort } from '../kube/kube-types.js';
import type { ForwardedPort, PortForwarder } from '../kube/port-forward.js';
import {
  PrometheusTransportError,
  type PrometheusHttpRequest,
  type PrometheusHttpResponse,
  type PrometheusTransport,
} from './prometheus-transport.js';

/** Options of {@link ServicePrometheusTransport}. */
export interface ServicePrometheusTransportOptions {
  /** Namespace of the Service. */
  namespace: string;
  /** Service name. */
  name: string;
  /** Service port. */
  port: number;
  /** Reads the Service. */
  services: ServiceReader;
  /** Lists its pods. */
  pods: PodLister;
  /** Opens the forward. */
  portForwarder: PortForwarder;
}

/** The pod port a Service port sends to: a number, or a named container port of `pod`. */
function podPort(servicePort: ServicePort, pod: Pod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of pod.spec?.containers ?? [])
    for (const port of container.ports ?? []) if (port.name === target) return port.containerPort;
  return undefined;
}

/** {@link PrometheusTransport} through a port-forward to a pod behind a Service. */
export class ServicePrometheusTransport implements PrometheusTransport {
  readonly description: string;
  readonly #options: ServicePrometheusTransportOptions;
  #forward: Promise<ForwardedPort> | undefined;

  constructor(options: ServicePrometheusTransportOptions) {
    this.#options = options;
    this.description = `Service ${options.namespace}/${options.name}:${options.port}`;
  }

  async send(request: PrometheusHttpRequest): Promise<PrometheusHttpResponse> {
    const forward = await this.#connect(request.signal);
    // Our own timer tells a timeout from the caller aborting; the forward just sees an abort.
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const response = await forward.fetch(request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        timeoutMs: request.timeoutMs + 1_000,
        signal,
      });
      return { status: response.status, body: response.body.toString('utf8') };
    } catch (error) {
      await this.#reset();
      if (request.signal?.aborted) throw new PrometheusTransportError('aborted', 'aborted');
      if (timeout.aborted)
        throw new PrometheusTransportError('timeout', `no answer within ${request.timeoutMs} ms`);
      throw new PrometheusTransportError(
        'network',
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  #connect(signal: AbortSignal | undefined): Promise<ForwardedPort> {
    if (!this.#forward) {
      this.#forward = this.#open(signal);
      // A failed open is not kept: the next query resolves the Service again.
      this.#forward.catch(() => {
        this.#forward = undefined;
      });
    }
    return this.#forward;
  }

  async #open(signal: AbortSignal | undefined): Promise<ForwardedPort> {
    const { namespace, name, port, services, pods, portForwarder } = this.#options;
    const where = `Service ${namespace}/${name}`;
    let service;
    try {
      service = await services.get(namespace, name, { signal });
    } catch (error) {
      throw this.#lookupFailure(signal, `cannot read ${where}`, error);
    }
    if (!service) throw new PrometheusTransportError('unavailable', `${where} not found`);
    const servicePort = service.spec?.ports?.find((p) => p.port === port);
    if (!servicePort) {
      const known = (service.spec?.ports ?? []).map((p) => p.port).join(', ') || 'none';
      throw new PrometheusTransportError(
        'unavailable',
        `${where} has no port ${port} (ports: ${known})`,
      );
    }
    const selector = service.spec?.selector ?? {};
    if (Object.keys(selector).length === 0) {
      throw new PrometheusTransportError(
        'unavailable',
        `${where} has no selector: cannot find a pod to port-forward to`,
      );
    }
    const labelSelector = labelSelectorText({ matchLabels: selector });
    let candidates: Pod[];
    try {
      candidates = await pods.list(namespace, { labelSelector, signal });
    } catch (error) {
      throw this.#lookupFailure(signal, `cannot list the pods of ${where}`, error);
    }
    const ready = candidates
      .filter(isPodReady)
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const pod = ready[0];
    if (!pod) {
      throw new PrometheusTransportError(
        'unavailable',
        `no ready pod behind ${where} (selector ${labelSelector})`,
      );
    }
    const target = podPort(servicePort, pod);
    if (target === undefined) {
      throw new PrometheusTransportError(
        'unavailable',
        `pod ${namespace}/${pod.metadata.name} has no container port named "${String(servicePort.targetPort)}"`,
      );
    }
    try {
      return await portForwarder.open(
        { namespace, pod: pod.metadata.name, port: target },
        { verify: false },
      );
    } catch (error) {
      throw this.#lookupFailure(signal, `cannot port-forward to ${where}`, error);
    }
  }

  #lookupFailure(
    signal: AbortSignal | undefined,
    what: string,
    error: unknown,
  ): PrometheusTransportError {
    if (signal?.aborted) return new PrometheusTransportError('aborted', 'aborted');
    return new PrometheusTransportError(
      'unavailable',
      `${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  async #reset(): Promise<void> {
    const forward = this.#forward;
    this.#forward = undefined;
    if (!forward) return;
    try {
      await (await forward).close();
    } catch {
      // Never opened: nothing to close.
    }
  }

  close(): Promise<void> {
    return this.#reset();
  }
}
