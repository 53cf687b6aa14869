import { describe, expect, it } from 'vitest';
import {
  describeDataplanePath,
  detectDataplanePath,
  isAmbientPod,
  waypointBindingOf,
  type DataplaneFacts,
  type WaypointGatewayFacts,
} from './dataplane-path.js';

const AMBIENT_NS = { name: 'bookinfo', labels: { 'istio.io/dataplane-mode': 'ambient' } };
const HEALTHY_WAYPOINT: WaypointGatewayFacts = {
  namespace: 'bookinfo',
  name: 'waypoint',
  gatewayClassName: 'istio-waypoint',
  labels: { 'istio.io/waypoint-for': 'service' },
  programmed: { status: 'True', reason: 'Programmed' },
  addresses: ['10.96.0.20'],
  readyPods: 2,
};

function facts(overrides: Partial<DataplaneFacts> = {}): DataplaneFacts {
  return {
    namespace: {
      ...AMBIENT_NS,
      labels: { ...AMBIENT_NS.labels, 'istio.io/use-waypoint': 'waypoint' },
    },
    service: { name: 'reviews' },
    pods: [{ name: 'reviews-blue-1', sidecar: false }],
    waypoint: HEALTHY_WAYPOINT,
    sidecarCallers: [],
    ...overrides,
  };
}

describe('isAmbientPod', () => {
  it('enrols by the pod’s label, else its namespace’s, never a pod with a sidecar', () => {
    const plain = { name: 'p', sidecar: false };
    expect(isAmbientPod(plain, AMBIENT_NS)).toBe(true);
    expect(isAmbientPod(plain, { name: 'other' })).toBe(false);
    expect(
      isAmbientPod({ ...plain, labels: { 'istio.io/dataplane-mode': 'none' } }, AMBIENT_NS),
    ).toBe(false);
    expect(
      isAmbientPod({ ...plain, labels: { 'istio.io/dataplane-mode': 'ambient' } }, { name: 'x' }),
    ).toBe(true);
    expect(isAmbientPod({ ...plain, sidecar: true }, AMBIENT_NS)).toBe(false);
  });
});

describe('waypointBindingOf', () => {
  it('takes the Service’s label over the namespace’s, with -namespace beside it', () => {
    expect(
      waypointBindingOf(
        {
          name: 'reviews',
          labels: {
            'istio.io/use-waypoint': 'shared',
            'istio.io/use-waypoint-namespace': 'infra',
          },
        },
        { name: 'bookinfo', labels: { 'istio.io/use-waypoint': 'waypoint' } },
        'bookinfo',
      ),
    ).toEqual({ name: 'shared', namespace: 'infra', boundBy: 'Service' });
    expect(
      waypointBindingOf(
        { name: 'reviews' },
        { name: 'bookinfo', labels: { 'istio.io/use-waypoint': 'waypoint' } },
        'bookinfo',
      ),
    ).toEqual({ name: 'waypoint', namespace: 'bookinfo', boundBy: 'Namespace' });
  });

  it('lets a Service opt out with none, and says when nothing binds it', () => {
    expect(
      waypointBindingOf(
        { name: 'reviews', labels: { 'istio.io/use-waypoint': 'none' } },
        { name: 'bookinfo', labels: { 'istio.io/use-waypoint': 'waypoint' } },
        'bookinfo',
      ),
    ).toEqual({ none: 'Service reviews opts out (istio.io/use-waypoint=none)' });
    expect(waypointBindingOf({ name: 'reviews' }, AMBIENT_NS, 'bookinfo')).toEqual({
      none: 'neither the Service nor namespace bookinfo has istio.io/use-waypoint',
    });
  });
});

describe('detectDataplanePath', () => {
  it('is the sidecar path when no pod of the service is ambient', () => {
    const path = detectDataplanePath(
      facts({ pods: [{ name: 'reviews-blue-1', sidecar: true }] }),
      'bookinfo',
    );
    expect(path).toEqual({ kind: 'sidecar' });
  });

  it('goes through a healthy waypoint, naming the sidecar callers of a mixed mesh', () => {
    const path = detectDataplanePath(facts({ sidecarCallers: ['sidecar-caller-1'] }), 'bookinfo');
    expect(path).toEqual({
      kind: 'waypoint',
      waypoint: { namespace: 'bookinfo', name: 'waypoint', boundBy: 'Namespace' },
      sidecarCallers: ['sidecar-caller-1'],
      problems: [],
    });
    expect(describeDataplanePath(path)).toBe(
      "ambient through waypoint bookinfo/waypoint (bound by the Namespace's istio.io/use-waypoint); 1 caller(s) with a sidecar route by their own (mixed mesh)",
    );
  });

  it('is ztunnel alone when an ambient Service is bound to no waypoint', () => {
    const path = detectDataplanePath(
      facts({ namespace: AMBIENT_NS, waypoint: undefined }),
      'bookinfo',
    );
    expect(path).toEqual({
      kind: 'ztunnel',
      reason: 'neither the Service nor namespace bookinfo has istio.io/use-waypoint',
    });
    expect(describeDataplanePath(path)).toMatch(/^ambient without a waypoint: ztunnel/);
  });

  it('names every reason the bound waypoint would not serve the Service', () => {
    const problemsOf = (waypoint: WaypointGatewayFacts | undefined) => {
      const path = detectDataplanePath(facts({ waypoint }), 'bookinfo');
      return path.kind === 'waypoint' ? path.problems : [];
    };
    expect(problemsOf(undefined)).toEqual(['waypoint Gateway bookinfo/waypoint does not exist']);
    expect(
      problemsOf({
        ...HEALTHY_WAYPOINT,
        gatewayClassName: 'istio',
        labels: { 'istio.io/waypoint-for': 'workload' },
        programmed: { status: 'False', reason: 'AddressNotAssigned', message: 'pending' },
        addresses: [],
        readyPods: 0,
      }),
    ).toEqual([
      'Gateway bookinfo/waypoint is of class istio, not istio-waypoint',
      'waypoint bookinfo/waypoint serves workload traffic, not Services (istio.io/waypoint-for)',
      'waypoint bookinfo/waypoint is not Programmed (AddressNotAssigned: pending)',
      'waypoint bookinfo/waypoint has no address',
      'waypoint bookinfo/waypoint has no ready pods',
    ]);
    expect(problemsOf({ ...HEALTHY_WAYPOINT, labels: { 'istio.io/waypoint-for': 'all' } })).toEqual(
      [],
    );
    expect(problemsOf({ ...HEALTHY_WAYPOINT, programmed: undefined })).toEqual([
      'waypoint bookinfo/waypoint has no Programmed condition yet',
    ]);
  });

  it('keeps a waypoint not Programmed whose pods serve out of the problems: a warning, its status may be stale', () => {
    const notProgrammed = { status: 'False', reason: 'NoInstances', message: 'no pods' };
    const path = detectDataplanePath(
      facts({ waypoint: { ...HEALTHY_WAYPOINT, programmed: notProgrammed, readyPods: 2 } }),
      'bookinfo',
    );
    if (path.kind !== 'waypoint') throw new Error('expected the waypoint path');
    expect(path.problems).toEqual([]);
    expect(path.warnings).toEqual([
      "waypoint bookinfo/waypoint is not Programmed (NoInstances: no pods) but has an address and 2 ready pod(s): istiod's status may be stale (it recomputes Programmed only when a Service changes)",
    ]);
    // Without ready pods, or without an address, it stays an error (and no warning).
    for (const broken of [{ readyPods: 0 }, { addresses: [] }]) {
      const other = detectDataplanePath(
        facts({ waypoint: { ...HEALTHY_WAYPOINT, programmed: notProgrammed, ...broken } }),
        'bookinfo',
      );
      if (other.kind !== 'waypoint') throw new Error('expected the waypoint path');
      expect(other.problems).toContain(
        'waypoint bookinfo/waypoint is not Programmed (NoInstances: no pods)',
      );
      expect(other.warnings).toBeUndefined();
    }
  });
});
