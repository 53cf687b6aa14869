/**
 * The defaults the API server applies to pod specs (`SetDefaults_PodSpec`,
 * `SetDefaults_Container`, probe, port, volume and env defaults of core/v1), wherever a pod
 * spec appears: in Pods, and in the templates of Deployments and ReplicaSets. Defaulting
 * only fills absent fields, so it is idempotent: the controllers can default what they read
 * and get the same template whether or not the API server defaulted it on write.
 */
import type { Container, PodSpec, PodTemplateSpec } from './kube-shapes.js';

type Mutable = Record<string, unknown>;

function isObject(value: unknown): value is Mutable {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tag of an image reference: `latest` when it has neither tag nor digest. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  if (isObject(probe.httpGet)) {
    probe.httpGet.path ??= '/';
    probe.httpGet.scheme ??= 'HTTP';
  }
}

function defaultEnv(env: unknown): void {
  if (!Array.isArray(env)) return;
  for (const variable of env) {
    if (
      isObject(variable) &&
      isObject(variable.valueFrom) &&
      isObject(variable.valueFrom.fieldRef)
    ) {
      variable.valueFrom.fieldRef.apiVersion ??= 'v1';
    }
  }
}

function defaultContainerInPlace(container: Mutable): void {
  if (container.imagePullPolicy === undefined) {
    const tag = typeof container.image === 'string' ? imageTag(container.image) : 'latest';
    container.imagePullPolicy = tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  // ResourceRequirements is a struct in Go, so it always serialises, as `{}` when empty.
  container.resources ??= {};
  if (Array.isArray(container.ports)) {
    for (const port of container.ports) if (isObject(port)) port.protocol ??= 'TCP';
  }
  defaultProbe(container.readinessProbe);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.startupProbe);
  defaultEnv(container.env);
}

function defaultVolumeInPlace(volume: Mutable): void {
  for (const kind of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const source = volume[kind];
    if (isObject(source)) source.defaultMode ??= 420;
  }
  const downward = volume.downwardAPI;
  if (isObject(downward) && Array.isArray(downward.items)) {
    for (const item of downward.items) {
      if (isObject(item) && isObject(item.fieldRef)) item.fieldRef.apiVersion ??= 'v1';
    }
  }
  const projected = volume.projected;
  if (isObject(projected) && Array.isArray(projected.sources)) {
    for (const source of projected.sources) {
      if (isObject(source) && isObject(source.serviceAccountToken)) {
        source.serviceAccountToken.expirationSeconds ??= 3600;
      }
    }
  }
}

/** Fills the API server's defaults into a pod spec, in place. */
export function defaultPodSpecInPlace(spec: Mutable): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list) if (isObject(container)) defaultContainerInPlace(container);
  }
  if (Array.isArray(spec.volumes)) {
    for (const volume of spec.volumes) if (isObject(volume)) defaultVolumeInPlace(volume);
  }
}

/** A copy of a pod spec with the API server's defaults filled in. */
export function defaultPodSpec(spec: PodSpec | undefined): PodSpec {
  const copy = structuredClone(spec ?? {}) as Mutable;
  defaultPodSpecInPlace(copy);
  return copy;
}

/** A copy of a pod template with the API server's defaults filled in. */
export function defaultPodTemplate(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  return { ...copy, metadata: copy.metadata ?? {}, spec: defaultPodSpec(copy.spec) };
}

function hasAny(resources: unknown, field: 'requests' | 'limits'): boolean {
  return (
    isObject(resources) && isObject(resources[field]) && Object.keys(resources[field]).length > 0
  );
}

function isGuaranteed(container: Container): boolean {
  const resources = container.resources;
  if (!isObject(resources) || !isObject(resources.limits)) return false;
  const limits = resources.limits;
  const requests = isObject(resources.requests) ? resources.requests : {};
  return ['cpu', 'memory'].every(
    (name) =>
      limits[name] !== undefined &&
      (requests[name] === undefined || requests[name] === limits[name]),
  );
}

/** The pod's QoS class, as the API server computes it from container resources. */
export function podQosClass(spec: PodSpec | undefined): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  const anyResources = containers.some(
    (c) => hasAny(c.resources, 'requests') || hasAny(c.resources, 'limits'),
  );
  if (!anyResources) return 'BestEffort';
  return containers.every((c) => isGuaranteed(c)) ? 'Guaranteed' : 'Burstable';
}
