/**
 * The gateways a VirtualService binds to, resolved the way istiod resolves them: `mesh`
 * stays (the sidecars), `ns/name` names a Gateway (`./name` is the VirtualService's
 * namespace), a bare name is in the VirtualService's namespace, and the legacy
 * `name.namespace[.svc...]` form is split on its dots. Absent `gateways` means `mesh` only.
 */
import type { VirtualService } from '../istio/types.js';

/** The sidecars' pseudo-gateway. */
export const MESH_GATEWAY = 'mesh';

/** One gateway reference of a VirtualService. */
export interface GatewayRef {
  /** As written. */
  readonly written: string;
  /** `namespace/name`, or `mesh`. */
  readonly key: string;
  /** Its index in `spec.gateways`. */
  readonly index: number;
}

/** `namespace/name` (or `mesh`) of a gateway reference written in a VirtualService in `namespace`. */
export function resolveGatewayRef(ref: string, namespace: string): string {
  if (ref === MESH_GATEWAY) return MESH_GATEWAY;
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const gatewayNamespace = ref.slice(0, slash);
    return `${gatewayNamespace === '.' ? namespace : gatewayNamespace}/${ref.slice(slash + 1)}`;
  }
  const parts = ref.split('.');
  if (parts.length >= 2) return `${parts[1] as string}/${parts[0] as string}`;
  return `${namespace}/${ref}`;
}

/** The VirtualService's gateway references (`spec.gateways`). */
export function gatewayRefsOf(virtualService: VirtualService): GatewayRef[] {
  const namespace = virtualService.metadata.namespace ?? '';
  const written = virtualService.spec.gateways;
  if (!Array.isArray(written) || written.length === 0)
    return [{ written: MESH_GATEWAY, key: MESH_GATEWAY, index: -1 }];
  return written.map((ref, index) => ({
    written: ref,
    key: resolveGatewayRef(ref, namespace),
    index,
  }));
}

/** Whether the VirtualService applies to sidecars (absent gateways, or `mesh` listed). */
export function appliesToMesh(virtualService: VirtualService): boolean {
  return gatewayRefsOf(virtualService).some((ref) => ref.key === MESH_GATEWAY);
}
