/**
 * One real test bed for the whole conformance run: built (or taken from the cache) and
 * started before the first file, stopped after the last. Files get its addresses through
 * `inject('realCluster')` and each works in a namespace of its own (scenario files through
 * test/scenarios/scenario-cluster.ts).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRealCluster, type RunningRealCluster } from '@switchyard/test-utils';

let bed: RunningRealCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-conformance-'));
  const started = Date.now();
  bed = await startRealCluster(
    dir,
    (process.env.SWITCHYARD_TESTBED_ARGS ?? '').split(' ').filter(Boolean),
  );
  process.stderr.write(
    `[conformance] test bed up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  project.provide('realCluster', {
    dir: bed.dir,
    kubeconfig: bed.kubeconfig,
    controlUrl: bed.controlUrl,
    prometheusUrl: bed.prometheusUrl,
  });
}

export async function teardown(): Promise<void> {
  await bed?.stop();
}
