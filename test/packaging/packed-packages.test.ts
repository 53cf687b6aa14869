/**
 * The packages as a user gets them: core, sim and cli packed into tarballs
 * (scripts/pack-packages.mjs), installed with npm into an empty folder outside the
 * workspace, and run: `npx switchyard --help`, `kubectl switchyard` as a kubectl plugin
 * found on PATH, and the installed `switchyard sim` and `kubectl switchyard status` talking
 * to each other. The simulator is an optional peer of the CLI: a second folder gets only
 * core and cli, whose `doctor`, `plan`, `status` and `deploy` work against a simulator this
 * test starts from the workspace, and whose `demo` and `sim` say what to install. The
 * Dockerfile is checked for its structure (no container engine here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOOD_IMAGE, startSimulatedCluster, type SimulatedCluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;
let app: string;
/** An install of core and cli only: no simulator. */
let lean: string;
let tarballs: string[];
let env: NodeJS.ProcessEnv;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-packages-'));
  app = join(dir, 'app');
  lean = join(dir, 'lean');
  await mkdir(app);
  await mkdir(lean);
  // Nothing of the workspace leaks in: no SWITCHYARD_*, the install's bin first on PATH.
  env = {
    PATH: [join(app, 'node_modules', '.bin'), dirname(process.execPath), process.env.PATH].join(
      delimiter,
    ),
    HOME: process.env.HOME,
    NO_COLOR: '1',
  };
  const packed = await run(
    process.execPath,
    [join(ROOT, 'scripts', 'pack-packages.mjs'), join(dir, 'packs')],
    {
      cwd: ROOT,
      env: process.env,
      timeoutMs: 120_000,
    },
  );
  expect(packed.code, packed.stderr).toBe(0);
  tarballs = packed.stdout.trim().split('\n');
  const install = (cwd: string, packs: string[]) =>
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packs], {
      cwd,
      env: { ...env, npm_config_loglevel: 'error' },
      timeoutMs: 150_000,
    });
  const installed = await install(app, tarballs);
  expect(installed.code, installed.stderr).toBe(0);
  const withoutSimulator = await install(
    lean,
    tarballs.filter((tarball) => !tarball.includes('switchyard-sim-')),
  );
  expect(withoutSimulator.code, withoutSimulator.stderr).toBe(0);
}, 400_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('are three tarballs whose workspace dependencies became versions', async () => {
    expect(tarballs.map((t) => t.slice(t.lastIndexOf('/') + 1))).toEqual([
      'switchyard-core-0.1.0.tgz',
      'switchyard-sim-0.1.0.tgz',
      'switchyard-cli-0.1.0.tgz',
    ]);
    const manifest = JSON.parse(
      await readFile(join(app, 'node_modules', '@switchyard', 'cli', 'package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.dependencies['@switchyard/core']).toBe('0.1.0');
    expect(manifest.dependencies['@switchyard/sim']).toBeUndefined();
    expect(manifest.peerDependencies['@switchyard/sim']).toBe('0.1.0');
    expect(manifest.peerDependenciesMeta['@switchyard/sim']).toEqual({ optional: true });
    // Installed from the tarballs, not fetched: the folder holds exactly them.
    expect((await readdir(join(app, 'node_modules', '@switchyard'))).sort()).toEqual([
      'cli',
      'core',
      'sim',
    ]);
  });

  it('core serves its public entries, and an install cannot load its internal-testing subpath', async () => {
    const dist = await readdir(join(app, 'node_modules', '@switchyard', 'core', 'dist'));
    expect(dist).toContain('index.js');
    expect(dist.filter((file) => file.startsWith('internal-testing'))).toEqual([]);
    const probe = (specifier: string) =>
      run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(specifier)}).then((m) => console.log(Object.keys(m).length > 0 ? 'loaded' : 'empty'), (e) => console.log(e.code))`,
        ],
        { cwd: app },
      );
    expect((await probe('@switchyard/core')).stdout.trim()).toBe('loaded');
    expect((await probe('@switchyard/core/errors')).stdout.trim()).toBe('loaded');
    expect((await probe('@switchyard/core/internal-testing')).stdout.trim()).toBe(
      'ERR_MODULE_NOT_FOUND',
    );
  });

  it('npx switchyard --help and --version run from the empty folder', async () => {
    // Offline: npx must find the installed binary, not fetch one.
    const offline = { ...env, npm_config_offline: 'true' };
    const help = await run('npx', ['switchyard', '--help'], { cwd: app, env: offline });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('switchyard <command> [options]');
    expect(help.stdout).toContain('switchyard release [service]');
    const version = await run('npx', ['switchyard', '--version'], { cwd: app, env: offline });
    expect(version.stdout.trim()).toBe('0.1.0');
  });

  it('kubectl finds kubectl-switchyard on PATH as a plugin', async () => {
    const plugins = await run('kubectl', ['plugin', 'list'], { cwd: app });
    expect(plugins.stdout).toContain(join(app, 'node_modules', '.bin', 'kubectl-switchyard'));
    const help = await run('kubectl', ['switchyard', '--help'], { cwd: app });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('kubectl switchyard <command> [options]');
    expect(help.stdout).toContain('kubectl switchyard deploy [service]');
  });

  it('the installed simulator and kubectl switchyard status work together', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    // The installed binary itself (npx would stand between the test and the process).
    const sim: ChildProcess = spawn(
      join(app, 'node_modules', '.bin', 'switchyard'),
      ['sim', '-o', 'json', '--write-kubeconfig', kubeconfig],
      { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const started = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`sim did not start: ${out}`)), 60_000);
        sim.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0] as string);
          }
        });
        sim.on('close', (code) => reject(new Error(`sim exited ${code}: ${out}`)));
      });
      // The default scenario came with the package (examples/ of the repository is not there).
      expect(JSON.parse(started)).toMatchObject({
        scenario: 'bookinfo',
        kubeconfigPath: kubeconfig,
      });
      const status = await run(
        'kubectl',
        ['switchyard', 'status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig],
        { cwd: app },
      );
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toContain('bookinfo/reviews  phase unmanaged');
      expect(status.stdout).toContain('blue 100 / green 0');
    } finally {
      sim.kill('SIGTERM');
      await new Promise((resolve) => sim.once('close', resolve));
    }
  });
});

describe('the CLI installed without the simulator', () => {
  let bed: SimulatedCluster;
  let cli: string;
  let cluster: string[];

  beforeAll(async () => {
    cli = join(lean, 'node_modules', '.bin', 'switchyard');
    // A simulator from the workspace: the installed CLI only talks to it.
    bed = await startSimulatedCluster();
    cluster = ['-n', 'bookinfo', '--kubeconfig', bed.sim.kubeconfigPath];
  }, 120_000);

  afterAll(async () => {
    await bed?.stop();
  });

  it('has core and cli, and no simulator', async () => {
    expect((await readdir(join(lean, 'node_modules', '@switchyard'))).sort()).toEqual([
      'cli',
      'core',
    ]);
    const help = await run(cli, ['--help'], { cwd: lean });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('switchyard demo');
  });

  it('runs doctor, plan, status and deploy', async () => {
    const doctor = await run(cli, ['doctor', 'reviews', ...cluster], { cwd: lean });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toContain('bookinfo/reviews');

    const plan = await run(cli, ['plan', 'reviews', 'deploy', '--image', GOOD_IMAGE, ...cluster], {
      cwd: lean,
    });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('plan: deploy of bookinfo/reviews (dry run, nothing changed)');

    const status = await run(cli, ['status', 'reviews', ...cluster], { cwd: lean });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('bookinfo/reviews  phase unmanaged');

    const deploy = await run(cli, ['deploy', 'reviews', '--image', GOOD_IMAGE, ...cluster], {
      cwd: lean,
    });
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain('✔ deployed:');
  });

  it('demo and sim say what to install (exit 2)', async () => {
    for (const command of ['demo', 'sim']) {
      const result = await run(cli, [command], { cwd: lean });
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toContain(
        `switchyard ${command} runs on the simulator, and @switchyard/sim is not installed`,
      );
      expect(result.stderr).toContain('npm install @switchyard/sim@0.1.0');
    }
    const json = await run(cli, ['demo', '-o', 'json'], { cwd: lean });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({
      exitCode: 2,
      error: { code: 'SWITCHYARD_INVALID_USAGE' },
    });
  });
});

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { keyword: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: (keyword as string).toUpperCase(), args: rest.join(' ') };
    });
}

describe('the Dockerfile', () => {
  it('builds in one stage and runs the packed packages as non-root in another', async () => {
    const steps = instructions(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
    const stages: { from: string; steps: { keyword: string; args: string }[] }[] = [];
    for (const step of steps) {
      if (step.keyword === 'FROM') stages.push({ from: step.args, steps: [] });
      else stages.at(-1)?.steps.push(step);
    }
    expect(stages.map((s) => s.from)).toEqual([
      '${NODE_IMAGE} AS build',
      '${NODE_IMAGE} AS runtime',
    ]);
    expect(steps[0]).toEqual({ keyword: 'ARG', args: 'NODE_IMAGE=node:20-bookworm-slim' });

    const [build, runtime] = stages as [(typeof stages)[0], (typeof stages)[0]];
    const buildRun = build.steps
      .filter((s) => s.keyword === 'RUN')
      .map((s) => s.args)
      .join(' ');
    expect(buildRun).toContain('pnpm@10 install --frozen-lockfile');
    // Every script the build runs is in the repository.
    for (const script of buildRun.match(/scripts\/[\w-]+\.mjs/g) ?? []) {
      await expect(readFile(join(ROOT, script), 'utf8')).resolves.toBeTruthy();
    }
    expect(buildRun).toContain('scripts/pack-packages.mjs /packs');

    // Runtime: only the tarballs from the build stage, a production-only global install.
    const copies = runtime.steps.filter((s) => s.keyword === 'COPY' || s.keyword === 'ADD');
    expect(copies).toEqual([{ keyword: 'COPY', args: '--from=build /packs /tmp/packs' }]);
    const runtimeRun = runtime.steps.filter((s) => s.keyword === 'RUN').map((s) => s.args);
    expect(runtimeRun).toHaveLength(1);
    expect(runtimeRun[0]).toMatch(/^npm install --global --omit=dev /);
    expect(runtimeRun[0]).not.toMatch(/pnpm|--include=dev|--production=false/);
    // The last USER is non-root and numeric (runAsNonRoot can check it), after every RUN.
    const users = runtime.steps.filter((s) => s.keyword === 'USER');
    expect(users.at(-1)?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const lastRun = runtime.steps.map((s) => s.keyword).lastIndexOf('RUN');
    expect(runtime.steps.findIndex((s) => s.keyword === 'USER')).toBeGreaterThan(lastRun);
    expect(runtime.steps.find((s) => s.keyword === 'CMD')?.args).toBe('["switchyard", "--help"]');
  });

  it('keeps node_modules and build output out of the context', async () => {
    const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git']));
  });
});
