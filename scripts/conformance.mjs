#!/usr/bin/env node
// The conformance tier: build the real control plane test bed (timed: a fresh machine
// compiles Kubernetes, etcd, KWOK and istiod; later runs reuse the cache), then run the
// Vitest project `conformance` against it. Prints both durations.
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

started = Date.now();
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'conformance', ...extra],
  { cwd: root, stdio: 'inherit' },
);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stderr.write(
  `[conformance] tests ${result.status === 0 ? 'passed' : 'failed'} in ${seconds}s\n`,
);
process.exit(result.status ?? 1);
