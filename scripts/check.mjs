#!/usr/bin/env node
// The whole test command after setup: typecheck, lint (ESLint + Prettier), then every
// Vitest project. Stops at the first failing stage and exits with its status.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const extra = process.argv.slice(2);

const stages = [
  ['typecheck', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.check.json']],
  ['eslint', [bin('eslint', 'bin/eslint.js'), '.']],
  ['prettier', [bin('prettier', 'bin/prettier.cjs'), '--check', '.']],
  ['vitest', [bin('vitest', 'vitest.mjs'), 'run', ...extra]],
];

for (const [name, args] of stages) {
  const started = Date.now();
  process.stderr.write(`[test] ${name}\n`);
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    process.stderr.write(`[test] ${name} failed after ${seconds}s\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`[test] ${name} passed in ${seconds}s\n`);
}
