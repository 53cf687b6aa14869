/**
 * One real test bed for the whole conformance run: built (or taken from the cache) and
 * started before the first file, stopped after the last. Files get its addresses through
 * `inject('realTestbed')` and each works in a namespace of its own.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRealTestbed, type RealTestbed, type RealTestbedInfo } from '@switchyard/test-utils';

declare module 'vitest' {
  export interface ProvidedContext {
    realTestbed: RealTestbedInfo;
  }
}

let bed: RealTestbed | undefined;

export async function setup(project: TestProject): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-conformance-'));
  const started = Date.now();
  bed = await startRealTestbed(
    dir,
    (process.env.SWITCHYARD_TESTBED_ARGS ?? '').split(' ').filter(Boolean),
  );
  process.stderr.write(
    `[conformance] test bed up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  project.provide('realTestbed', {
    dir: bed.dir,
    kubeconfig: bed.kubeconfig,
    controlUrl: bed.controlUrl,
    prometheusUrl: bed.prometheusUrl,
  });
}

export async function teardown(): Promise<void> {
  await bed?.stop();
}
