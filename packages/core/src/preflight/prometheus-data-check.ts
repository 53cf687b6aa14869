/**
 * `prometheus-data`: the metric checks will have something to read. Prometheus must answer,
 * and hold `istio_requests_total` for the service from the last few minutes, reported by the
 * service's own sidecars (`reporter="destination"`, what the built-in checks query), or,
 * through an HTTPRoute, for its slot Services as the callers and gateways report them
 * (`reporter="source"`), or in ambient as the waypoint reports them (`reporter="waypoint"`).
 * Otherwise every evaluation during the bakes is inconclusive and the release rolls back:
 * better said before it starts. A warning, since traffic may start with the release.
 */
import { formatDuration } from '../spec/duration.js';
import type { Finding } from './finding.js';
import { serviceRef } from './mesh-refs.js';
import type { PreflightCheck } from './preflight-check.js';

const ID = 'prometheus-data';

/** The check. */
export const prometheusDataCheck: PreflightCheck = {
  id: ID,
  severity: 'warning',
  title:
    'Prometheus answers and holds istio_requests_total for the service (checks not inconclusive)',
  needs: ['prometheus'],
  run(context) {
    const object = serviceRef(context);
    if (context.operation === 'deploy') return [];
    if (context.prometheus === undefined)
      return [
        {
          id: ID,
          severity: 'info',
          object,
          field: '',
          message: 'the spec has no metric checks: bakes only wait, nothing is measured',
          fix: 'add checks (checks.items) to roll back on errors and latency',
        },
      ];
    if (!context.prometheus.ok)
      return [
        {
          id: ID,
          severity: 'warning',
          object,
          field: '',
          message: `cannot query Prometheus: ${context.prometheus.error}; every check would be inconclusive and the release would roll back`,
          fix: 'point prometheus.url or prometheus.service at your Prometheus',
        },
      ];
    const { samplesByReporter, windowMs, endpoint, subject, checkedReporter } =
      context.prometheus.value;
    const window = formatDuration(windowMs);
    const findings: Finding[] = [];
    if ((samplesByReporter[checkedReporter] ?? 0) > 0) return findings;
    if (checkedReporter === 'waypoint') {
      // In ambient the checks read what the waypoint reports.
      findings.push({
        id: ID,
        severity: 'warning',
        object,
        field: '',
        message: `Prometheus (${endpoint}) holds no istio_requests_total for ${subject} reported by the waypoint (reporter="waypoint") in the last ${window}: unless traffic starts through the waypoint, every check would be inconclusive and the release would roll back`,
        fix: "send traffic from ambient callers (or check that Prometheus scrapes the waypoint's pods) before releasing",
      });
      return findings;
    }
    if (checkedReporter === 'source') {
      // Through an HTTPRoute the checks read what the callers' sidecars and gateways report.
      const fromServer = (samplesByReporter.destination ?? 0) > 0;
      findings.push({
        id: ID,
        severity: 'warning',
        object,
        field: '',
        message: fromServer
          ? `Prometheus (${endpoint}) has istio_requests_total for ${subject} reported by their own sidecars only, none by callers or gateways in the last ${window}: the checks query the callers' reports, so they would be inconclusive`
          : `Prometheus (${endpoint}) holds no istio_requests_total for ${subject} from the last ${window}: unless traffic starts, every check would be inconclusive and the release would roll back`,
        fix: fromServer
          ? 'route the callers through the HTTPRoute (sidecars, or its Gateway) and check that Prometheus scrapes them'
          : 'send traffic through the HTTPRoute (or check that Prometheus scrapes the sidecars and gateways) before releasing',
      });
      return findings;
    }
    const fromClients = (samplesByReporter.source ?? 0) > 0;
    findings.push({
      id: ID,
      severity: 'warning',
      object,
      field: '',
      message: fromClients
        ? `Prometheus (${endpoint}) has istio_requests_total for ${subject} from its callers only, none reported by its own sidecars in the last ${window}: the checks query those, so they would be inconclusive`
        : `Prometheus (${endpoint}) holds no istio_requests_total for ${subject} from the last ${window}: unless traffic starts, every check would be inconclusive and the release would roll back`,
      fix: fromClients
        ? "check that the service's pods run istio-proxy and that Prometheus scrapes them"
        : 'send traffic to the service (or check that Prometheus scrapes the sidecars) before releasing',
    });
    return findings;
  },
};
