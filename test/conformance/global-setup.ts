/**
 * One real test bed for the whole conformance run: built (or taken from the cache) and
 * started before the first file, stopped after the last. Files get its addresses through
 * `inject('realCluster')` and each works in a namespace of its own (scenario files through
 * test/scenarios/scenario-cluster.ts). The `conformance-ambient` project's bed runs Istio's
 * ambient profile and, as bookinfo's clients there are each file's own, starts without the
 * default bookinfo clients.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startRealCluster, type RunningRealCluster } from '@switchyard/test-utils';

let bed: RunningRealCluster | undefined;

/** The ambient project's test bed: the ambient profile, images but no clients. */
const AMBIENT_ARGS = [
  '--profile=ambient',
  `--fleet-scenario=${fileURLToPath(new URL('../../testbed/scenarios/ambient.yaml', import.meta.url))}`,
];

export async function setup(project: TestProject): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-conformance-'));
  const started = Date.now();
  const ambient = project.name === 'conformance-ambient';
  bed = await startRealCluster(dir, [
    ...(ambient ? AMBIENT_ARGS : []),
    ...(process.env.SWITCHYARD_TESTBED_ARGS ?? '').split(' ').filter(Boolean),
  ]);
  process.stderr.write(
    `[${project.name}] test bed up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
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
