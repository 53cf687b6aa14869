/**
 * Accept-header negotiation as the API server does it: clauses are tried in the order the
 * client lists them and the first one the server can produce wins. Besides plain JSON this
 * covers the `as=Table` (kubectl get), `as=PartialObjectMetadata[List]` and aggregated
 * discovery (`as=APIGroupDiscoveryList`) transformations, and YAML.
 */

/** One Accept clause. */
interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*/*', params: {} }];
  return header.split(',').map((clause) => {
    const [type = '', ...rest] = clause.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

function isJsonLike(type: string): boolean {
  return type === 'application/json' || type === '*/*' || type === 'application/*';
}

/** What to send for a resource request. */
export type ResourceRepresentation =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'metadata'; version: 'v1' | 'v1beta1'; list: boolean };

/** Media types this server produces for resources, for the 406 message. */
export const RESOURCE_MEDIA_TYPES = ['application/json', 'application/yaml'];

/**
 * Picks the representation for a GET/LIST/WATCH response; undefined when nothing the
 * client accepts can be produced (406). `list` tells which PartialObjectMetadata kind fits.
 */
export function negotiateResource(
  accept: string | undefined,
  list: boolean,
): ResourceRepresentation | undefined {
  for (const range of parseAccept(accept)) {
    const as = range.params.as;
    const group = range.params.g;
    const version = range.params.v;
    if (as !== undefined) {
      if (range.type !== 'application/json' || group !== 'meta.k8s.io') continue;
      if (version !== 'v1' && version !== 'v1beta1') continue;
      if (as === 'Table') return { kind: 'table', version };
      if (as === 'PartialObjectMetadata' && !list)
        return { kind: 'metadata', version, list: false };
      if (as === 'PartialObjectMetadataList' && list)
        return { kind: 'metadata', version, list: true };
      continue;
    }
    if (isJsonLike(range.type)) return { kind: 'json' };
    if (range.type === 'application/yaml') return { kind: 'yaml' };
  }
  return undefined;
}

/** The aggregated discovery version the client asked for first, or undefined for the legacy documents. */
export function negotiateDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const range of parseAccept(accept)) {
    if (range.params.as === 'APIGroupDiscoveryList' && range.params.g === 'apidiscovery.k8s.io') {
      if (range.params.v === 'v2' || range.params.v === 'v2beta1') return range.params.v;
      continue;
    }
    if (isJsonLike(range.type)) return undefined;
  }
  return undefined;
}

/** The Content-Type of an aggregated discovery response. */
export function aggregatedDiscoveryContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
