#!/usr/bin/env node
// The conformance tier: build the real control plane test bed (timed: a fresh machine
// compiles Kubernetes, etcd, KWOK and istiod; later runs reuse the cache), then run the
// Vitest projects `conformance` (a test bed with Istio's minimal profile) and
// `conformance-ambient` (one with the ambient profile), one after the other, each on a
// test bed of its own started by its global setup; a project none of the given files
// belongs to starts nothing. Prints every duration.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './testbed.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);

let started = Date.now();
build();
process.stderr.write(
  `[conformance] test bed build ready in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
);

let status = 0;
const tierStarted = Date.now();
for (const project of ['conformance', 'conformance-ambient']) {
  started = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--project',
      project,
      '--passWithNoTests',
      ...extra,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `[${project}] tests ${result.status === 0 ? 'passed' : 'failed'} in ${seconds}s\n`,
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.stderr.write(
  `[conformance] tier ${status === 0 ? 'passed' : 'failed'} in ${((Date.now() - tierStarted) / 1000).toFixed(1)}s\n`,
);
process.exit(status);
