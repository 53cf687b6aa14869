/**
 * Crash at every write of a canary release, on the simulator (see
 * `simulated-crash-suite.ts`); and a crash after its first route change followed by another
 * pipeline: refused while the crashed run's Lease claim lasts, then taking it over.
 */
import { expect, it } from 'vitest';
import { canonicalJson } from './api-writes.js';
import { describeCrashAtEveryWrite } from './simulated-crash-suite.js';

describeCrashAtEveryWrite('canary', (suite) => {
  it("leaves the Lease to another pipeline only once the crashed run's claim lapsed", async () => {
    const { writes, routeStates } = suite.reference();
    // Killed right after its first route change (weights 50/50): the release is half-applied.
    const k =
      writes.findIndex((w) => w.object && canonicalJson(w.object.spec) === routeStates[1]) + 1;
    expect(k).toBeGreaterThan(0);
    expect(await suite.harness().takeOver(suite.reference(), k)).toEqual([]);
  }, 300_000);
});
