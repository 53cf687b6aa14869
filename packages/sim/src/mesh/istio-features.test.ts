import { describe, expect, it } from 'vitest';
import { istioFeatures } from './istio-features.js';

describe('istioFeatures', () => {
  it('follows the release that changed each behaviour', () => {
    expect(istioFeatures('1.26.2')).toEqual({
      absoluteFqdnVhostDomain: false,
      newPushContextPerPush: false,
    });
    expect(istioFeatures('1.27.0')).toEqual({
      absoluteFqdnVhostDomain: true,
      newPushContextPerPush: false,
    });
    expect(istioFeatures('1.30.3')).toMatchObject({ newPushContextPerPush: false });
    expect(istioFeatures('1.31.0-rc.0')).toEqual({
      absoluteFqdnVhostDomain: true,
      newPushContextPerPush: true,
    });
    expect(istioFeatures('2.0.0')).toMatchObject({ newPushContextPerPush: true });
  });

  it('treats a version without major.minor as a dev build of the newest release', () => {
    expect(istioFeatures('master')).toEqual({
      absoluteFqdnVhostDomain: true,
      newPushContextPerPush: true,
    });
  });
});
