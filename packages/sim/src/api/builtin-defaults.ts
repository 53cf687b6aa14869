/**
 * What the real API server fills in on built-in objects it receives: the defaulting
 * functions of k8s.io/api (replicas 1, RollingUpdate 25%/25%, restartPolicy Always, ...)
 * and the create-time strategy resets (a new object's status is the server's, not the
 * client's: a created Pod is Pending). Clients such as `kubectl describe deployment`
 * dereference these fields and would fail on objects without them.
 */
import type { KubeObject } from '../store/object-store.js';
import type { ResourceType } from '../store/resource-types.js';
import { defaultPodSpecInPlace, podQosClass } from '../controllers/pod-defaults.js';

type Json = Record<string, unknown>;

function obj(parent: Json, key: string): Json {
  const value = parent[key];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

function setDefault(target: Json, key: string, value: unknown): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function defaultWorkload(object: Json, deployment: boolean): void {
  const spec = obj(object, 'spec');
  setDefault(spec, 'replicas', 1);
  if (deployment) {
    const strategy = obj(spec, 'strategy');
    setDefault(strategy, 'type', 'RollingUpdate');
    if (strategy.type === 'RollingUpdate') {
      const rolling = obj(strategy, 'rollingUpdate');
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
  }
  const template = obj(spec, 'template');
  defaultPodSpecInPlace(obj(template, 'spec'));
}

function defaultService(object: Json): void {
  const spec = obj(object, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!p || typeof p !== 'object') continue;
      const port = p as Json;
      setDefault(port, 'protocol', 'TCP');
      setDefault(port, 'targetPort', port.port);
    }
  }
}

/** Fills in defaulted fields of a built-in object, in place (create, update and patch results). */
export function applyBuiltinDefaults(type: ResourceType, object: Json): void {
  if (!type.builtin) return;
  switch (`${type.group}/${type.plural}`) {
    case '/pods':
      defaultPodSpecInPlace(obj(object, 'spec'));
      setDefault(obj(object, 'spec'), 'enableServiceLinks', true);
      break;
    case 'apps/deployments':
      defaultWorkload(object, true);
      break;
    case 'apps/replicasets':
      defaultWorkload(object, false);
      break;
    case '/services':
      defaultService(object);
      break;
    case 'coordination.k8s.io/leases': {
      // The lease strategy drops these while CoordinatedLeaderElection is off (its default).
      const spec = object.spec as Json | undefined;
      if (spec) {
        delete spec.strategy;
        delete spec.preferredHolder;
      }
      break;
    }
    case '/namespaces': {
      const metadata = obj(object, 'metadata');
      // The namespace lifecycle admission plugin labels every namespace with its name.
      obj(metadata, 'labels')['kubernetes.io/metadata.name'] = metadata.name;
      setDefault(obj(object, 'spec'), 'finalizers', ['kubernetes']);
      break;
    }
    default:
      break;
  }
}

/**
 * The create-time strategy: a new object's status belongs to the server. Types with a
 * status subresource start with the server's status (custom resources: none).
 */
export function prepareForCreate(type: ResourceType, object: Json): void {
  if (type.builtin) {
    switch (`${type.group}/${type.plural}`) {
      case '/pods':
        object.status = { phase: 'Pending', qosClass: podQosClass(obj(object, 'spec')) };
        return;
      case 'apps/deployments':
      case 'apps/replicasets':
        object.status = {};
        return;
      case '/services':
        object.status = { loadBalancer: {} };
        return;
      case '/namespaces':
        object.status = { phase: 'Active' };
        return;
      default:
        return;
    }
  }
  if (type.subresources.includes('status')) delete object.status;
}

const SERVICE_CIDR_BASE = [10, 96];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * Allocates `spec.clusterIP` for a new Service from 10.96.0.0/16, deterministically from
 * its namespace and name (probing past addresses in use), as the service IP allocator does.
 */
export function allocateClusterIp(service: Json, existing: readonly Readonly<KubeObject>[]): void {
  const spec = obj(service, 'spec');
  if (spec.type === 'ExternalName') return;
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '') {
    if (!Array.isArray(spec.clusterIPs)) spec.clusterIPs = [spec.clusterIP];
  } else {
    const used = new Set(
      existing.map((s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP),
    );
    const metadata = obj(service, 'metadata');
    // .1 is the kubernetes Service, .10 kube-dns: start past them.
    let offset = 20 + (hash(`${String(metadata.namespace)}/${String(metadata.name)}`) % 65_000);
    let ip = '';
    for (let tries = 0; tries < 65_000; tries++, offset = 20 + ((offset - 20 + 1) % 65_000)) {
      ip = `${SERVICE_CIDR_BASE[0]}.${SERVICE_CIDR_BASE[1]}.${Math.floor(offset / 256)}.${offset % 256}`;
      if (!used.has(ip)) break;
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  if (spec.clusterIP !== 'None' || spec.ipFamilies === undefined) {
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  }
}
