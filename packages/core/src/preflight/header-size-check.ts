/**
 * `header-size`: requests carrying the headers the release relies on fit Envoy's limit.
 * Envoy answers 431 (and Istio counts the request as failed) when a request's headers exceed
 * the HTTP connection manager's `max_request_headers_kb` (60 KiB unless an EnvoyFilter sets
 * it), on the caller's sidecar or gateway and on the service's own sidecar. The limits are
 * read from the `config_dump` of a sample of those proxies. A header over the limit can never
 * match; one over three quarters of it leaves little room for the rest of the request's
 * headers (host, path, cookies, tracing).
 */
import type { Finding } from './finding.js';
import { notCheckedFinding } from './finding.js';
import { httpRouteRef, virtualServiceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';
import { reliedHeadersOf } from './relied-headers.js';

const ID = 'header-size';

/** Share of the limit one header may take before it is worth a warning. */
const WARN_SHARE = 0.75;

/** The check. */
export const headerSizeCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: "headers the routes rely on fit the proxies' max_request_headers_kb (config_dump)",
  needs: ['envoy'],
  run(context) {
    if (context.envoy === undefined) return [];
    const ref =
      context.routeKind === 'HTTPRoute' ? httpRouteRef(context) : virtualServiceRef(context);
    if (!context.envoy.ok)
      return [
        notCheckedFinding(
          ID,
          ref,
          "the proxies' request header limits",
          context.envoy.error,
          'make the proxies reachable by port-forward (Envoy admin, port 15000)',
        ),
      ];
    const { limits, unread } = context.envoy.value;
    const findings: Finding[] = [];
    if (limits.length === 0) {
      findings.push(
        notCheckedFinding(
          ID,
          ref,
          "the proxies' request header limits",
          unread.length > 0
            ? unread.map((u) => `${u.proxy}: ${u.error}`).join('; ')
            : 'no proxy on the path to the service to read',
          'check that the service and its callers run istio-proxy',
        ),
      );
      return findings;
    }
    const lowest = limits.reduce((a, b) => (b.maxRequestHeadersKb < a.maxRequestHeadersKb ? b : a));
    const limitBytes = lowest.maxRequestHeadersKb * 1024;
    for (const header of reliedHeadersOf(context)) {
      const where = `${lowest.proxy} (${lowest.direction}, listener ${lowest.listener})`;
      const fromSpec = header.where.startsWith('deploy.');
      const object = fromSpec ? { kind: 'ReleaseSpec', name: context.spec.service } : ref;
      if (header.bytes > limitBytes) {
        findings.push({
          id: ID,
          severity: 'error',
          object,
          field: header.where,
          message: `a request matching ${header.name} carries at least ${header.bytes} bytes of it, over the ${lowest.maxRequestHeadersKb} KiB max_request_headers_kb of ${where}: Envoy answers 431 and the route never matches`,
          fix: `match a shorter value, or raise max_request_headers_kb (EnvoyFilter on the HTTP connection manager) above ${Math.ceil(header.bytes / 1024) + 8} KiB`,
        });
      } else if (header.bytes > limitBytes * WARN_SHARE) {
        findings.push({
          id: ID,
          severity: 'warning',
          object,
          field: header.where,
          message: `a request matching ${header.name} carries at least ${header.bytes} bytes of it, over ${Math.round(WARN_SHARE * 100)}% of the ${lowest.maxRequestHeadersKb} KiB max_request_headers_kb of ${where}: with its other headers it may be refused (431)`,
          fix: 'match a shorter value, or raise max_request_headers_kb with an EnvoyFilter',
        });
      }
    }
    return findings;
  },
};
