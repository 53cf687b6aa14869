/**
 * The Prometheus launcher against the real binary: finding it, starting several side by
 * side, error reporting, and the guarantee that Prometheus never outlives its Node
 * process (normal exit and SIGKILL).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrometheusNotFoundError,
  PrometheusStartError,
} from '../../packages/sim/src/prometheus/prometheus-errors.js';
import {
  findPrometheusBinary,
  startPrometheus,
  type PrometheusInstance,
} from '../../packages/sim/src/prometheus/prometheus-process.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'switchyard-prometheus-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('findPrometheusBinary', () => {
  it('prefers PROMETHEUS_BIN, then PATH, then the default path', async () => {
    const bin = join(scratch, 'bin');
    await writeFile(join(scratch, 'placeholder'), '');
    await mkdir(bin, { recursive: true });
    const onPath = join(bin, 'prometheus');
    await writeFile(onPath, '#!/bin/sh\nexit 0\n');
    await chmod(onPath, 0o755);

    expect(findPrometheusBinary({ env: { PROMETHEUS_BIN: onPath, PATH: '' } })).toBe(onPath);
    expect(findPrometheusBinary({ env: { PATH: `/nonexistent:${bin}` } })).toBe(onPath);
    expect(findPrometheusBinary({ env: { PATH: '' }, defaultPath: onPath })).toBe(onPath);
  });

  it('names both ways out when Prometheus is missing', () => {
    let error: unknown;
    try {
      findPrometheusBinary({
        env: { PATH: '/nonexistent' },
        defaultPath: '/nonexistent/prometheus',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PrometheusNotFoundError);
    const notFound = error as PrometheusNotFoundError;
    expect(notFound.code).toBe('SWITCHYARD_SIM_PROMETHEUS_NOT_FOUND');
    expect(notFound.message).toContain('PROMETHEUS_BIN');
    expect(notFound.message).toContain('PATH');
    expect(notFound.searched).toEqual(['/nonexistent/prometheus', '/nonexistent/prometheus']);
  });

  it('rejects a PROMETHEUS_BIN that is not executable instead of looking elsewhere', () => {
    expect(() =>
      findPrometheusBinary({ env: { PROMETHEUS_BIN: join(scratch, 'placeholder') } }),
    ).toThrow(/PROMETHEUS_BIN=.*placeholder is not an executable file/);
  });
});

describe('startPrometheus', () => {
  it('runs two instances side by side, each on its own port with its own config and storage', async () => {
    const started: PrometheusInstance[] = await Promise.all([
      startPrometheus({ targets: ['127.0.0.1:9'], scrapeIntervalSeconds: 1 }),
      startPrometheus({ targets: ['127.0.0.1:10'], scrapeIntervalSeconds: 0.5 }),
    ]);
    try {
      const [a, b] = started as [PrometheusInstance, PrometheusInstance];
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.url).not.toBe(b.url);
      expect(a.directory).not.toBe(b.directory);
      const configOf = async (p: PrometheusInstance): Promise<string> => {
        const body = (await (await fetch(`${p.url}/api/v1/status/config`)).json()) as {
          data: { yaml: string };
        };
        return body.data.yaml;
      };
      const [configA, configB] = await Promise.all([configOf(a), configOf(b)]);
      expect(configA).toContain('scrape_interval: 1s');
      expect(configA).toContain('127.0.0.1:9');
      expect(configB).toContain('scrape_interval: 500ms');
      expect(configB).toContain('127.0.0.1:10');
    } finally {
      await Promise.all(started.map((p) => p.stop()));
    }
    for (const p of started) {
      expect(existsSync(p.directory)).toBe(false);
      await expect(fetch(`${p.url}/-/ready`)).rejects.toThrow();
      expect(liveProcessesInGroup(p.pid)).toEqual([]);
    }
  });

  it('reports what a failing binary printed', async () => {
    const failing = join(scratch, 'failing-prometheus');
    await writeFile(
      failing,
      '#!/bin/sh\necho "error parsing flags: unknown long flag --bogus" >&2\nexit 3\n',
    );
    await chmod(failing, 0o755);
    const error = await startPrometheus({
      targets: ['127.0.0.1:9'],
      scrapeIntervalSeconds: 1,
      binary: failing,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PrometheusStartError);
    const startError = error as PrometheusStartError;
    expect(startError.exitCode).toBe(3);
    expect(startError.stderr).toContain('unknown long flag --bogus');
    expect(startError.message).toContain('unknown long flag --bogus');
  });

  describe('never outlives the Node process that started it', () => {
    let childDir: string;
    beforeAll(async () => {
      childDir = await transpileLauncher(scratch);
    });

    for (const ending of ['process.exit', 'SIGKILL'] as const) {
      it(`when Node ends by ${ending}`, async () => {
        const child = runChild(childDir, ending);
        const { pid, url, directory } = await child.started;
        expect(liveProcessesInGroup(pid).length).toBeGreaterThan(0);
        expect((await fetch(`${url}/-/ready`)).status).toBe(200);
        await child.end();
        await waitFor(() => liveProcessesInGroup(pid).length === 0, 20_000);
        await expect(fetch(`${url}/-/ready`)).rejects.toThrow();
        if (ending === 'process.exit') expect(existsSync(directory)).toBe(false);
        await rm(directory, { recursive: true, force: true });
      });
    }
  });
});

/** Transpiles the launcher to plain ESM so a bare `node` child can import it. */
async function transpileLauncher(root: string): Promise<string> {
  const dir = join(root, 'child');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  const sources = fileURLToPath(new URL('../../packages/sim/src/prometheus/', import.meta.url));
  for (const name of ['prometheus-process', 'prometheus-errors']) {
    const source = await readFile(join(sources, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    await writeFile(join(dir, `${name}.js`), outputText);
  }
  // The child starts Prometheus, reports it, and ends the way it is told on stdin.
  await writeFile(
    join(dir, 'child.js'),
    [
      "import { startPrometheus } from './prometheus-process.js';",
      "const p = await startPrometheus({ targets: ['127.0.0.1:9'], scrapeIntervalSeconds: 1 });",
      'process.stdout.write(JSON.stringify({ pid: p.pid, url: p.url, directory: p.directory }) + "\\n");',
      "process.stdin.setEncoding('utf8').once('data', () => {",
      "  if (process.argv[2] === 'SIGKILL') process.kill(process.pid, 'SIGKILL');",
      '  else process.exit(0);',
      '});',
      '',
    ].join('\n'),
  );
  return dir;
}

interface ChildRun {
  /** What the child reported once Prometheus was ready. */
  started: Promise<{ pid: number; url: string; directory: string }>;
  /** Tells the child to end, resolves when it has exited. */
  end(): Promise<void>;
}

function runChild(dir: string, ending: 'process.exit' | 'SIGKILL'): ChildRun {
  const child = spawn(process.execPath, [join(dir, 'child.js'), ending], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = new Promise<{ pid: number; url: string; directory: string }>(
    (resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const newline = out.indexOf('\n');
        if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)));
      });
      void exited.then(() => reject(new Error(`child exited before reporting; stderr: ${err}`)));
    },
  );
  return {
    started,
    end: async () => {
      child.stdin.write('end\n');
      await exited;
    },
  };
}

/** Processes of a process group that are alive (not zombies), from /proc. */
function liveProcessesInGroup(pgid: number): number[] {
  const live: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(entry));
  }
  return live;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
