#!/usr/bin/env node
// One idempotent step before `demo` and `test` on any machine with Node and npm:
// install workspace dependencies (pnpm via npx), build with tsc, and make sure a
// Prometheus binary is available. Each part is skipped when already done.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = process.argv.includes('--quiet');

function log(message) {
  if (!quiet) process.stderr.write(`[setup] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[setup] error: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result.status ?? 1;
}

function installStamp() {
  const hash = createHash('sha256');
  for (const file of ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml']) {
    hash.update(readFileSync(join(root, file)));
  }
  for (const pkg of ['core', 'sim', 'cli', 'test-utils']) {
    hash.update(readFileSync(join(root, 'packages', pkg, 'package.json')));
  }
  return hash.digest('hex');
}

function ensureDependencies() {
  const stampFile = join(root, 'node_modules', '.switchyard-install-stamp');
  const stamp = installStamp();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  log('installing dependencies with pnpm (npx -y pnpm@10 install --frozen-lockfile)');
  const status = run(
    'npx',
    ['-y', 'pnpm@10', 'install', '--frozen-lockfile', '--reporter=append-only'],
    {
      stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    },
  );
  if (status !== 0) fail('dependency installation failed (see the pnpm output above)');
  writeFileSync(stampFile, stamp);
}

function build() {
  log('building (tsc -b)');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (run(process.execPath, [tsc, '-b']) !== 0) fail('the TypeScript build failed');
  // Help texts served without loading yargs (see packages/cli/src/help-cache.ts).
  if (run(process.execPath, [join(root, 'scripts', 'build-help-cache.mjs')]) !== 0) {
    fail('rendering the CLI help texts failed');
  }
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  for (const dir of ['/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function ensurePrometheus() {
  const override = process.env.PROMETHEUS_BIN;
  if (override) {
    if (!isExecutable(override)) fail(`PROMETHEUS_BIN=${override} is not an executable file`);
    return;
  }
  if (findOnPath('prometheus')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findOnPath('apt-get')) {
    fail(
      'Prometheus is needed and was not found on PATH. Install it (Debian/Ubuntu: ' +
        '`sudo apt-get install -y prometheus`) or set PROMETHEUS_BIN to its path.',
    );
  }
  log('installing Prometheus (apt-get install -y prometheus)');
  // RUNLEVEL=1 keeps the package's init scripts from starting a system-wide daemon.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const args = ['install', '-y', '--no-install-recommends', 'prometheus'];
  const stdio = quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit';
  if (run('apt-get', args, { env, stdio }) !== 0) {
    log('apt-get install failed; refreshing package lists and trying again');
    run('apt-get', ['update'], { env, stdio });
    if (run('apt-get', args, { env, stdio }) !== 0)
      fail('could not install the Debian package prometheus');
  }
  if (!findOnPath('prometheus'))
    fail('the prometheus package installed but no prometheus binary was found');
}

const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
if (!only || only === 'deps') ensureDependencies();
if (!only || only === 'build') build();
if (!only || only === 'prometheus') ensurePrometheus();
