/**
 * What every CI example's test needs: a "checkout" laid out like the user's repository
 * (ci/smoke-test.mjs copied from examples/ci, deploy/release.yaml), a `switchyard` on PATH
 * (the built CLI, or a stub that exits with queued codes), and a way to run one extracted
 * script the way the CI system runs it: as a file, through the system's shell, with only
 * the environment the pipeline defines.
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { CLI_BIN } from '@switchyard/test-utils';

/** examples/ci. */
export const CI_EXAMPLES = fileURLToPath(new URL('../../examples/ci/', import.meta.url));

/** Reads and parses a YAML file of examples/ci (every document). */
export async function loadExample(path: string): Promise<Record<string, any>[]> {
  const text = await readFile(join(CI_EXAMPLES, path), 'utf8');
  return loadAll(text).filter((doc) => doc !== null) as Record<string, any>[];
}

/** A fast release spec for the simulator: a pause step between two baked weights. */
export const TEST_RELEASE_SPEC = `apiVersion: switchyard.dev/v1alpha1
kind: ReleaseSpec
service: reviews
deploy:
  rolloutTimeout: 60s
strategy:
  steps:
    - weight: 50
    - bake: 3s
    - pause: true
    - weight: 100
    - bake: 3s
checks:
  interval: 1s
  window: 5s
  scrapeInterval: 1s
  minRequests: 5
  failureLimit: 2
  inconclusiveLimit: 30
  items:
    - { type: success-rate, min: 99 }
sync:
  timeout: 30s
`;

/** A temporary checkout of the user's repository, with `bin/` for PATH. */
export interface Checkout {
  /** The repository root (the CI working directory). */
  dir: string;
  /** Put first on PATH: holds `switchyard`. */
  bin: string;
  /** Uses the built CLI as `switchyard`. */
  useCli(): Promise<void>;
  /**
   * Uses a stub `switchyard` that exits with `codes` in turn (one per call) and records
   * each call's arguments; `calls()` reads them.
   */
  useStub(codes: readonly number[]): Promise<void>;
  /** Arguments of each stub call so far. */
  calls(): Promise<string[]>;
  /** Removes it. */
  remove(): Promise<void>;
}

/** Creates a checkout with ci/smoke-test.mjs and deploy/release.yaml. */
export async function createCheckout(spec = TEST_RELEASE_SPEC): Promise<Checkout> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-ci-'));
  const bin = join(dir, '.bin');
  await mkdir(join(dir, 'ci'), { recursive: true });
  await mkdir(join(dir, 'deploy'), { recursive: true });
  await mkdir(bin);
  await copyFile(join(CI_EXAMPLES, 'smoke-test.mjs'), join(dir, 'ci', 'smoke-test.mjs'));
  await writeFile(join(dir, 'deploy', 'release.yaml'), spec);
  const calls = join(dir, '.stub-calls');
  const codes = join(dir, '.stub-codes');
  const install = async (script: string): Promise<void> => {
    await writeFile(join(bin, 'switchyard'), script);
    await chmod(join(bin, 'switchyard'), 0o755);
  };
  return {
    dir,
    bin,
    useCli: () => install(`#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`),
    async useStub(queue) {
      await writeFile(codes, queue.map((code) => `${code}\n`).join(''));
      await writeFile(calls, '');
      await install(
        [
          '#!/bin/sh',
          `printf '%s\\n' "$*" >> '${calls}'`,
          `code=$(head -n 1 '${codes}')`,
          `sed -i 1d '${codes}'`,
          'echo "stub switchyard $*: exit ${code:-99}"',
          'exit "${code:-99}"',
          '',
        ].join('\n'),
      );
    },
    calls: async () => (await readFile(calls, 'utf8')).split('\n').filter((line) => line !== ''),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** How a script ended. */
export interface ScriptResult {
  /** Exit code (null when killed). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One script as the CI system would run it. */
export interface ScriptRun {
  /** The interpreter and its flags; the script file is appended. */
  shell: readonly string[];
  /** The script text, verbatim from the example. */
  script: string;
  /** The environment the pipeline defines (on top of PATH and HOME). */
  env: Record<string, string>;
  /** Working directory. */
  cwd: string;
  /** Prepended to PATH. */
  bin: string;
}

/** Runs one script; a hung script is killed after `timeoutMs`. */
export async function runScript(run: ScriptRun, timeoutMs = 110_000): Promise<ScriptResult> {
  const file = join(run.cwd, `.script-${process.pid}-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, run.script);
  try {
    return await new Promise<ScriptResult>((resolve, reject) => {
      const [command, ...flags] = run.shell;
      const child = spawn(command as string, [...flags, file], {
        cwd: run.cwd,
        // Only what the pipeline defines: no SWITCHYARD_* or KUBECONFIG of the test process.
        env: {
          PATH: [run.bin, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter),
          HOME: process.env.HOME ?? tmpdir(),
          NO_COLOR: '1',
          ...run.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(file, { force: true });
  }
}

/** Every `${{`, `$(params.`-like or `{{` template in a script: CI syntax that belongs in env. */
export function templatesIn(script: string): string[] {
  return [
    ...script.matchAll(
      /\$\{\{[^}]*\}\}|\$\((params|results|workspaces|context|tasks)\.[^)]*\)|\{\{[^}]*\}\}/g,
    ),
  ].map((match) => match[0]);
}
