#!/usr/bin/env node
// Packs @switchyard/core, @switchyard/sim and @switchyard/cli into installable tarballs:
//   node scripts/pack-packages.mjs [destination]     (default .tmp/packs)
// Run after the build (node scripts/setup.mjs). pnpm packs them because it rewrites the
// `workspace:*` dependencies to the packages' versions (npm pack would leave them as they are,
// and npm install cannot resolve them). Install them together:
//   npm install ./switchyard-core-*.tgz ./switchyard-cli-*.tgz [./switchyard-sim-*.tgz]
// (the simulator is an optional peer of the CLI, only for `switchyard sim` and `demo`).
// Prints the tarball paths.
//
// The simulator's default scenario is examples/scenarios/bookinfo.yaml with the manifests of
// examples/bookinfo; its tarball carries a copy of both (packed from a staging copy of the
// package, so the workspace never sees a half-written one).
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const destination = resolve(process.argv[2] ?? join(root, '.tmp', 'packs'));
const packages = ['core', 'sim', 'cli'];

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

for (const name of packages) {
  if (!existsSync(join(root, 'packages', name, 'dist', 'index.js')))
    fail(`packages/${name} is not built: run node scripts/setup.mjs first`);
}
if (!existsSync(join(root, 'packages', 'cli', 'dist', 'help-cache.json')))
  fail('the CLI help texts are missing: run node scripts/setup.mjs first');
mkdirSync(destination, { recursive: true });

/** packages/sim plus the default scenario, copied where defaultScenarioPath() looks. */
function stageSimulator() {
  const stage = mkdtempSync(join(tmpdir(), 'switchyard-sim-pack-'));
  const sim = join(root, 'packages', 'sim');
  for (const entry of ['package.json', 'README.md', 'assets', 'dist']) {
    cpSync(join(sim, entry), join(stage, entry), {
      recursive: true,
      filter: (source) => !source.endsWith('.tsbuildinfo'),
    });
  }
  cpSync(
    join(root, 'examples', 'scenarios', 'bookinfo.yaml'),
    join(stage, 'examples', 'scenarios', 'bookinfo.yaml'),
  );
  cpSync(join(root, 'examples', 'bookinfo'), join(stage, 'examples', 'bookinfo'), {
    recursive: true,
  });
  return stage;
}

const stage = stageSimulator();
try {
  // Side by side: most of each run is npx starting pnpm.
  const packed = await Promise.all(
    packages.map(async (name) => {
      const dir = name === 'sim' ? stage : join(root, 'packages', name);
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const file = `switchyard-${name}-${version}.tgz`;
      const child = spawn(
        'npx',
        ['--prefer-offline', '-y', 'pnpm@10', 'pack', '--pack-destination', destination],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const status = await new Promise((done) => child.on('close', done));
      return { name, file, output, ok: status === 0 && readdirSync(destination).includes(file) };
    }),
  );
  for (const { name, output, ok } of packed) {
    if (!ok) fail(`packing packages/${name} failed:\n${output}`);
  }
  for (const { file } of packed) process.stdout.write(`${join(destination, file)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
