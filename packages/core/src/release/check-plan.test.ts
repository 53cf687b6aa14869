import { describe, expect, it } from 'vitest';
import type { DataplanePath } from '../dataplane/dataplane-path.js';
import { resolveReleaseSpec } from '../spec/resolve-release-spec.js';
import { sequentialSettingsText } from './check-plan.js';

const checks = resolveReleaseSpec(
  undefined,
  {
    service: 'reviews',
    checks: {
      analysis: 'sequential',
      reporter: 'destination',
      items: [{ type: 'success-rate-vs-stable' }],
    },
  },
  { defaultNamespace: 'bookinfo' },
).checks;
const WAYPOINT: DataplanePath = {
  kind: 'waypoint',
  waypoint: { namespace: 'bookinfo', name: 'waypoint', boundBy: 'Namespace' },
  sidecarCallers: [],
  problems: [],
};

describe('sequentialSettingsText', () => {
  it('names checks.reporter on the sidecar path', () => {
    expect(sequentialSettingsText(checks)).toMatch(/; counting destination-side reports$/);
  });

  it('says the waypoint’s reports are counted on the waypoint path', () => {
    expect(sequentialSettingsText(checks, WAYPOINT)).toMatch(
      /; counting requests as waypoint waypoint reports them \(reporter="waypoint"\), whatever checks.reporter says \(the slots have no sidecar\)$/,
    );
    expect(
      sequentialSettingsText(checks, { ...WAYPOINT, sidecarCallers: ['productpage-v1-0'] }),
    ).toMatch(
      /; counting requests as waypoint waypoint and the callers’ sidecars report them \(reporter=~"source\|waypoint"\), whatever/,
    );
  });
});
