/**
 * Sequential checks through the CLI against the simulator and a real Prometheus: a bad
 * canary rolled back by the sequential test, an identical one promoted early, one without
 * traffic never passing. The same scenarios run on the real test bed
 * (`test/conformance/sequential-release-real-istiod.test.ts`); see `sequential-scenarios.ts`.
 */
import { readSlotWeights } from '@switchyard/core';
import { startTestbed, waitForServiceRequests, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  badCanaryRolledBack,
  prepare,
  quietCanaryNeverPasses,
  twinPromotedEarly,
  type SequentialBed,
} from './sequential-scenarios.js';

let testbed: Testbed;
let bed: SequentialBed;

beforeAll(async () => {
  testbed = await startTestbed({ prometheus: true });
  const { sim } = testbed;
  bed = {
    namespace: 'bookinfo',
    cliTarget: () => ['-n', 'bookinfo', '--kubeconfig', sim.kubeconfigPath],
    prometheusUrl: sim.prometheusUrl as string,
    controlUrl: sim.controlUrl,
    weights: async () =>
      readSlotWeights(await testbed.virtualService(), {
        service: 'reviews',
        namespace: 'bookinfo',
        subsets: { blue: 'blue', green: 'green' },
      }),
  };
  await waitForServiceRequests(testbed, 'reviews');
  await prepare(bed);
}, 180_000);

afterAll(async () => {
  await testbed?.stop();
});

describe('sequential checks through the CLI on the simulator', () => {
  it('rolls back a canary failing 10x the stable rate on the evidence (exit 3)', () =>
    badCanaryRolledBack(bed));

  it('promotes an identical canary early, each bake ended once shown no worse (exit 0)', () =>
    twinPromotedEarly(bed));

  it('never passes a canary without traffic: inconclusive, rolled back (exit 3)', () =>
    quietCanaryNeverPasses(bed));
});
