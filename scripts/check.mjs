#!/usr/bin/env node
// The whole test command after setup: typecheck, ESLint and Prettier (run side by side,
// their output printed whole as each ends), then every Vitest project. Exits with the first
// failing stage's status.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const extra = process.argv.slice(2);

const staticChecks = [
  ['typecheck', [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.check.json']],
  ['eslint', [bin('eslint', 'bin/eslint.js'), '.']],
  ['prettier', [bin('prettier', 'bin/prettier.cjs'), '--check', '.']],
];

function runBuffered(name, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (status) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(output).toString('utf8');
      if (status !== 0 || text.trim() !== '') process.stderr.write(text);
      process.stderr.write(`[test] ${name} ${status === 0 ? 'passed' : 'failed'} in ${seconds}s\n`);
      resolve(status ?? 1);
    });
  });
}

process.stderr.write(`[test] ${staticChecks.map(([name]) => name).join(', ')}\n`);
const statuses = await Promise.all(staticChecks.map(([name, args]) => runBuffered(name, args)));
const failed = statuses.find((status) => status !== 0);
if (failed !== undefined) process.exit(failed);

const started = Date.now();
process.stderr.write('[test] vitest\n');
// The conformance tier (a real control plane) runs apart: `npm run test:conformance`.
const projects = extra.some((arg) => arg.startsWith('--project'))
  ? []
  : ['--project', 'unit', '--project', 'e2e'];
const result = spawnSync(
  process.execPath,
  [bin('vitest', 'vitest.mjs'), 'run', ...projects, ...extra],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
process.stderr.write(`[test] vitest ${result.status === 0 ? 'passed' : 'failed'} in ${seconds}s\n`);
process.exit(result.status ?? 1);
