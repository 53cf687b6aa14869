/**
 * The request headers a release relies on: the spec's pre-release header conditions, and
 * the header conditions of the VirtualService's routes to the service. A condition on an
 * exact value (or a prefix) tells how large the header a matching request carries is at
 * least; a regex tells nothing, so it is left out.
 */
import { resolveHost } from '../istio/host-name.js';
import type { StringMatch, VirtualService } from '../istio/types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';

/** One header a matching request must carry. */
export interface ReliedHeader {
  /** Header name. */
  readonly name: string;
  /** Smallest size of the header in a matching request: name and value, in bytes. */
  readonly bytes: number;
  /** Where the condition is (`deploy.preRelease.headers`, `spec.http[0].match[0].headers`). */
  readonly where: string;
}

function bytesOf(name: string, match: Readonly<StringMatch> | undefined): number | undefined {
  const value = match?.exact ?? match?.prefix;
  return typeof value === 'string' ? Buffer.byteLength(name) + Buffer.byteLength(value) : undefined;
}

/** Every header with a known size that the spec or the routes to the service match on. */
export function reliedHeaders(
  spec: ResolvedReleaseSpec,
  virtualService: VirtualService | undefined,
): ReliedHeader[] {
  const headers: ReliedHeader[] = [];
  for (const [name, match] of Object.entries(spec.deploy.preRelease?.headers ?? {})) {
    const bytes = bytesOf(name, match);
    if (bytes !== undefined) headers.push({ name, bytes, where: 'deploy.preRelease.headers' });
  }
  const host = resolveHost(spec.target.host, spec.namespace);
  const namespace = virtualService?.metadata.namespace ?? spec.namespace;
  (virtualService?.spec.http ?? []).forEach((route, r) => {
    const toService = (route.route ?? []).some(
      (entry) => resolveHost(entry.destination.host, namespace) === host,
    );
    if (!toService) return;
    (route.match ?? []).forEach((match, m) => {
      for (const [name, condition] of Object.entries(match.headers ?? {})) {
        const bytes = bytesOf(name, condition);
        if (bytes !== undefined)
          headers.push({ name, bytes, where: `spec.http[${r}].match[${m}].headers.${name}` });
      }
    });
  });
  return headers;
}
