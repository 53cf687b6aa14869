/**
 * Sequential checks through the CLI on the real control plane (real istiod, the proxy fleet,
 * real Prometheus): a bad canary rolled back by the sequential test, an identical one
 * promoted early, one without traffic never passing: the scenarios of
 * `test/cli/sequential-scenarios.ts`, which the simulator suite runs too.
 */
import { realNamespace, type RealNamespace } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import {
  badCanaryRolledBack,
  prepare,
  quietCanaryNeverPasses,
  twinPromotedEarly,
  type SequentialBed,
} from '../cli/sequential-scenarios.js';

const info = inject('realTestbed');
let ns: RealNamespace;
let bed: SequentialBed;

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-sequential');
  bed = {
    namespace: ns.namespace,
    cliTarget: () => ns.cliTarget(),
    prometheusUrl: info.prometheusUrl,
    controlUrl: info.controlUrl,
    weights: () => ns.weights(),
  };
  await prepare(bed);
});

afterAll(async () => {
  await ns?.remove();
});

describe('sequential checks through the CLI on the real test bed', () => {
  it('rolls back a canary failing 10x the stable rate on the evidence (exit 3)', () =>
    badCanaryRolledBack(bed));

  it('promotes an identical canary early, each bake ended once shown no worse (exit 0)', () =>
    twinPromotedEarly(bed));

  it('never passes a canary without traffic: inconclusive, rolled back (exit 3)', () =>
    quietCanaryNeverPasses(bed));
});
