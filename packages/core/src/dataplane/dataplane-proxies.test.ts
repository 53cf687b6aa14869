import { describe, expect, it } from 'vitest';
import type { DataplanePath } from './dataplane-path.js';
import { dataplaneProxySets, describeReporter, reporterMatcher } from './dataplane-proxies.js';

const SIDECARS = [{ proxyTypes: ['sidecar'], namespaces: ['bookinfo'], selector: undefined }];
const WAYPOINT: DataplanePath = {
  kind: 'waypoint',
  waypoint: { namespace: 'infra', name: 'shared', boundBy: 'Service' },
  sidecarCallers: [],
  problems: [],
};
const MIXED: DataplanePath = { ...WAYPOINT, sidecarCallers: ['sidecar-caller-1'] };

describe('dataplaneProxySets', () => {
  it('adds the bound waypoint’s proxies to the sidecars, by the label istiod puts on its pods', () => {
    expect(dataplaneProxySets(WAYPOINT, SIDECARS)).toEqual([
      ...SIDECARS,
      {
        proxyTypes: ['waypoint'],
        namespaces: ['infra'],
        selector: 'gateway.networking.k8s.io/gateway-name=shared',
      },
    ]);
  });

  it('leaves the backend’s sets alone without a waypoint', () => {
    expect(dataplaneProxySets({ kind: 'sidecar' }, SIDECARS)).toBe(SIDECARS);
    expect(dataplaneProxySets({ kind: 'ztunnel', reason: 'x' }, SIDECARS)).toBe(SIDECARS);
  });
});

describe('reporterMatcher and describeReporter', () => {
  it('keeps the backend’s reporter on the sidecar path', () => {
    expect(reporterMatcher({ kind: 'sidecar' }, 'destination')).toBe('reporter="destination"');
    expect(reporterMatcher({ kind: 'sidecar' }, 'source')).toBe('reporter="source"');
    expect(describeReporter({ kind: 'sidecar' }, 'source')).toBe(
      'as the callers’ sidecars report them (reporter="source")',
    );
  });

  it('counts by the waypoint in ambient, and by the waypoint or the caller’s sidecar in a mixed mesh', () => {
    for (const sidecar of ['source', 'destination'] as const) {
      expect(reporterMatcher(WAYPOINT, sidecar)).toBe('reporter="waypoint"');
      expect(reporterMatcher(MIXED, sidecar)).toBe('reporter=~"source|waypoint"');
    }
    expect(describeReporter(WAYPOINT, 'source')).toBe(
      'as waypoint shared reports them (reporter="waypoint")',
    );
    expect(describeReporter(MIXED, 'destination')).toBe(
      'as waypoint shared and the callers’ sidecars report them (reporter=~"source|waypoint")',
    );
  });
});
