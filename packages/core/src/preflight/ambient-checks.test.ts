/**
 * The ambient pitfalls `doctor` reports, each on a context broken in one place, and silence
 * on the healthy ambient context (and on the sidecar one).
 */
import { describe, expect, it } from 'vitest';
import type { DataplanePath } from '../dataplane/dataplane-path.js';
import {
  healthyContext,
  httpRoute,
  httpRouteContext,
  summary,
} from './__fixtures__/preflight-context-fixtures.js';
import { ambientIngressCheck } from './ambient-ingress-check.js';
import { ambientSidecarCallersCheck } from './ambient-sidecar-callers-check.js';
import { ambientVirtualServiceCheck } from './ambient-virtualservice-check.js';
import { ambientWaypointCheck } from './ambient-waypoint-check.js';
import type { PreflightContext } from './preflight-context.js';
import { sidecarInjectionCheck } from './sidecar-injection-check.js';

const AMBIENT_CHECKS = [
  ambientWaypointCheck,
  ambientIngressCheck,
  ambientVirtualServiceCheck,
  ambientSidecarCallersCheck,
];

const WAYPOINT: DataplanePath = {
  kind: 'waypoint',
  waypoint: { namespace: 'bookinfo', name: 'waypoint', boundBy: 'Namespace' },
  sidecarCallers: [],
  problems: [],
};

function ambient(
  path: DataplanePath = WAYPOINT,
  overrides: Partial<PreflightContext> = {},
): PreflightContext {
  return httpRouteContext({ dataplane: { ok: true, value: path }, ...overrides });
}

function run(context: PreflightContext) {
  return AMBIENT_CHECKS.flatMap((check) => check.run(context));
}

/** An HTTPRoute on the bookinfo-ingress Gateway sending to reviews' slot Services. */
function ingressRoute() {
  const route = httpRoute();
  route.metadata.name = 'reviews-ingress';
  route.spec.parentRefs = [{ name: 'bookinfo-ingress', sectionName: 'http' }];
  return route;
}

describe('the ambient checks', () => {
  it('pass on the healthy ambient HTTPRoute and stay silent on the sidecar path', () => {
    expect(run(ambient())).toEqual([]);
    expect(run(httpRouteContext())).toEqual([]);
    expect(run(healthyContext())).toEqual([]);
  });

  it('report an ambient Service bound to no waypoint as an error: nothing would change or be measured', () => {
    const findings = run(
      ambient({ kind: 'ztunnel', reason: 'neither the Service nor namespace bookinfo has it' }),
    );
    expect(summary(findings)).toEqual(['error ambient-waypoint metadata.labels']);
    expect(findings[0]?.message).toMatch(
      /bound to no waypoint .* weights would change nothing and the checks would measure nothing/,
    );
  });

  it('report each reason the bound waypoint would not serve the Service, on the Gateway', () => {
    const findings = run(
      ambient({
        ...WAYPOINT,
        problems: [
          'waypoint bookinfo/waypoint is not Programmed (NoInstances)',
          'waypoint bookinfo/waypoint has no ready pods',
        ],
      }),
    );
    expect(findings.map((f) => [f.severity, f.id, `${f.object.kind}/${f.object.name}`])).toEqual([
      ['error', 'ambient-waypoint', 'Gateway/waypoint'],
      ['error', 'ambient-waypoint', 'Gateway/waypoint'],
    ]);
    expect(findings[1]?.message).toMatch(/^waypoint bookinfo\/waypoint has no ready pods: /);
    expect(
      run(
        ambient({
          ...WAYPOINT,
          problems: ['waypoint Gateway bookinfo/waypoint does not exist'],
        }),
      )[0]?.message,
    ).toMatch(/^waypoint Gateway bookinfo\/waypoint does not exist/);
  });

  it('warn, not fail, on a waypoint not Programmed whose pods serve: istiod’s status may be stale', () => {
    const stale =
      'waypoint bookinfo/waypoint is not Programmed (NoInstances) but has an address and 1 ready pod(s): istiod’s status may be stale';
    const findings = run(ambient({ ...WAYPOINT, warnings: [stale] }));
    expect(summary(findings)).toEqual(['warning ambient-waypoint status.conditions']);
    expect(findings[0]?.object).toMatchObject({ kind: 'Gateway', name: 'waypoint' });
    expect(findings[0]?.message).toContain(stale);
    expect(findings[0]?.fix).toContain(
      'kubectl -n bookinfo label service waypoint switchyard.dev/status-refresh=',
    );
  });

  it('warn about ingress that bypasses the waypoint, unless the Service says ingress-use-waypoint', () => {
    const routes = { ok: true as const, value: [httpRoute(), ingressRoute()] };
    const findings = run(ambient(WAYPOINT, { httpRoutes: routes }));
    expect(findings.map((f) => `${f.severity} ${f.id} ${f.object.name}`)).toEqual([
      'warning ambient-ingress reviews-ingress',
    ]);
    expect(findings[0]?.message).toMatch(
      /bypasses the waypoint \(no istio.io\/ingress-use-waypoint\)/,
    );
    const context = ambient(WAYPOINT, { httpRoutes: routes });
    const labelled = {
      ...context,
      service: {
        ...context.service!,
        metadata: {
          ...context.service!.metadata,
          labels: { 'istio.io/ingress-use-waypoint': 'true' },
        },
      },
    };
    expect(run(labelled)).toEqual([]);
  });

  it('warn about a VirtualService through a waypoint, naming the HTTPRoute alternative', () => {
    const context = healthyContext({ dataplane: { ok: true, value: WAYPOINT } });
    const findings = run(context);
    expect(summary(findings)).toEqual(['warning ambient-virtualservice ']);
    expect(findings[0]?.message).toContain('a VirtualService through a waypoint is Alpha');
    expect(findings[0]?.fix).toContain('target.kind: HTTPRoute');
  });

  it('warn about callers with a sidecar, which route around the waypoint', () => {
    const findings = run(ambient({ ...WAYPOINT, sidecarCallers: ['sidecar-caller-7f9'] }));
    expect(summary(findings)).toEqual(['warning ambient-sidecar-callers ']);
    expect(findings[0]?.message).toMatch(/^sidecar-caller-7f9 in bookinfo run a sidecar/);
  });

  it('say what they could not look at when the path cannot be read', () => {
    const findings = run(httpRouteContext({ dataplane: { ok: false, error: 'forbidden' } }));
    expect(summary(findings)).toEqual(['info ambient-waypoint ']);
    expect(findings[0]?.message).toBe(
      'not checked: the data-plane path (ambient, waypoint): forbidden',
    );
  });

  it('leave ambient pods, which run no sidecar by design, out of sidecar-injection', () => {
    const pods = healthyContext().pods;
    const stripped = pods.ok
      ? pods.value.map((p) => ({ ...p, spec: { containers: [{ name: 'reviews' }] } }))
      : [];
    const sidecarPath = healthyContext({ pods: { ok: true, value: stripped } });
    expect(sidecarInjectionCheck.run(sidecarPath).length).toBeGreaterThan(0);
    expect(
      sidecarInjectionCheck.run({ ...sidecarPath, dataplane: { ok: true, value: WAYPOINT } }),
    ).toEqual([]);
  });
});
