/**
 * The request headers a release relies on: the spec's pre-release header conditions, and
 * the header conditions of the VirtualService's routes to the service (or of the HTTPRoute's
 * rules to its slot Services, when the release goes through one). A condition on an
 * exact value (or a prefix) tells how large the header a matching request carries is at
 * least; a regex tells nothing, so it is left out.
 */
import { resolveHost } from '../istio/host-name.js';
import type { StringMatch, VirtualService } from '../istio/types.js';
import type { ResolvedReleaseSpec } from '../spec/resolved-release-spec.js';
import type { PreflightContext } from './preflight-context.js';
import { httpRouteTargetOf } from '../routing/http-route/http-route-backend.js';
import type { HttpRoute } from '../routing/http-route/http-route-types.js';
import { slotOfBackend } from '../routing/http-route/managed-rules.js';

/** One header a matching request must carry. */
export interface ReliedHeader {
  /** Header name. */
  readonly name: string;
  /** Smallest size of the header in a matching request: name and value, in bytes. */
  readonly bytes: number;
  /** Where the condition is (`deploy.preRelease.headers`, `spec.http[0].match[0].headers`, `spec.rules[0].matches[0].headers`). */
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
  httpRoute?: HttpRoute,
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
  const target = httpRouteTargetOf(spec);
  (httpRoute?.spec.rules ?? []).forEach((rule, r) => {
    if (!(rule.backendRefs ?? []).some((b) => slotOfBackend(target, b) !== undefined)) return;
    (rule.matches ?? []).forEach((match, m) => {
      for (const header of match.headers ?? []) {
        if ((header.type ?? 'Exact') !== 'Exact') continue;
        headers.push({
          name: header.name.toLowerCase(),
          bytes: Buffer.byteLength(header.name) + Buffer.byteLength(header.value),
          where: `spec.rules[${r}].matches[${m}].headers.${header.name}`,
        });
      }
    });
  });
  return headers;
}

/** The headers the release relies on, from the routing object it goes through. */
export function reliedHeadersOf(
  context: Pick<PreflightContext, 'spec' | 'routeKind' | 'virtualService' | 'httpRoute'>,
): ReliedHeader[] {
  return context.routeKind === 'HTTPRoute'
    ? reliedHeaders(context.spec, undefined, context.httpRoute)
    : reliedHeaders(context.spec, context.virtualService);
}
