/**
 * Finds and runs a real Prometheus (2.x) that scrapes the simulator, on a free loopback
 * port with its own temporary storage, so any number can run side by side.
 *
 * A Prometheus must never outlive the Node process that started it, however that process
 * ends. It is therefore started under a small `sh` watchdog in its own process group: the
 * watchdog holds the read end of a pipe whose write end only this process has, and
 * terminates Prometheus when the pipe closes, which the kernel does even when Node is
 * killed with SIGKILL. On a normal exit an `exit` handler also kills the group and
 * removes the temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PrometheusNotFoundError, PrometheusStartError } from './prometheus-errors.js';

/** The Debian/Ubuntu package's binary, the last place looked. */
export const DEFAULT_PROMETHEUS_PATH = '/usr/bin/prometheus';

/** Options of `startPrometheus`. */
export interface StartPrometheusOptions {
  /** Scrape targets, `host:port` (e.g. a `MetricsServer`'s `target`). */
  targets: readonly string[];
  /** Global scrape and rule evaluation interval, seconds (0.1 .. 60). */
  scrapeIntervalSeconds: number;
  /** Prometheus binary; `findPrometheusBinary()` when absent. */
  binary?: string;
  /** Path scraped on every target; `/metrics` by default. */
  metricsPath?: string;
  /** Scrape job name (the `job` label); `switchyard-sim` by default. */
  jobName?: string;
  /** How long to wait for `/-/ready`, milliseconds; 30 s by default. */
  readyTimeoutMs?: number;
}

/** A running Prometheus. */
export interface PrometheusInstance {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** Process id of the watchdog, which leads the process group Prometheus runs in. */
  pid: number;
  /** Temporary directory with the configuration and the TSDB; removed by `stop()`. */
  directory: string;
  /** The end of what Prometheus wrote to stderr so far. */
  stderr(): string;
  /** Stops Prometheus (SIGTERM, then SIGKILL after a grace period) and removes its files. */
  stop(): Promise<void>;
}

/** Options of `findPrometheusBinary`. */
export interface FindPrometheusOptions {
  /** Environment to read `PROMETHEUS_BIN` and `PATH` from; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /** Last place to look; `/usr/bin/prometheus` by default. */
  defaultPath?: string;
}

/**
 * Finds the Prometheus binary: `PROMETHEUS_BIN` when set (it must then be executable),
 * else `prometheus` on `PATH`, else `/usr/bin/prometheus`.
 */
export function findPrometheusBinary(options: FindPrometheusOptions = {}): string {
  const env = options.env ?? process.env;
  const defaultPath = options.defaultPath ?? DEFAULT_PROMETHEUS_PATH;
  const override = env.PROMETHEUS_BIN;
  if (override) {
    if (isExecutableFile(override)) return override;
    throw new PrometheusNotFoundError(
      `PROMETHEUS_BIN=${override} is not an executable file. Point PROMETHEUS_BIN at a ` +
        'Prometheus 2.x binary, or unset it to use prometheus from PATH.',
      [override],
    );
  }
  const searched: string[] = [];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'prometheus');
    searched.push(candidate);
    if (isExecutableFile(candidate)) return candidate;
  }
  searched.push(defaultPath);
  if (isExecutableFile(defaultPath)) return defaultPath;
  throw new PrometheusNotFoundError(
    `Prometheus was not found on PATH or at ${defaultPath}. Either set PROMETHEUS_BIN ` +
      'to a Prometheus 2.x binary, or install it on PATH (Debian/Ubuntu: ' +
      '`sudo apt-get install -y prometheus`; `node scripts/setup.mjs` does this).',
    searched,
  );
}

/**
 * Renders the Prometheus configuration file. JSON is valid YAML, and keeps this module
 * free of dependencies.
 */
export function prometheusConfig(options: StartPrometheusOptions): string {
  const interval = `${Math.max(1, Math.round(options.scrapeIntervalSeconds * 1000))}ms`;
  const config = {
    global: {
      scrape_interval: interval,
      // Prometheus rejects a timeout longer than the interval; the default 10 s would be.
      scrape_timeout: interval,
      evaluation_interval: interval,
    },
    scrape_configs: [
      {
        job_name: options.jobName ?? 'switchyard-sim',
        metrics_path: options.metricsPath ?? '/metrics',
        scheme: 'http',
        static_configs: [{ targets: [...options.targets] }],
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Starts Prometheus and waits until it is ready. */
export async function startPrometheus(
  options: StartPrometheusOptions,
): Promise<PrometheusInstance> {
  if (!(options.scrapeIntervalSeconds >= 0.1 && options.scrapeIntervalSeconds <= 60)) {
    throw new RangeError('scrapeIntervalSeconds must be between 0.1 and 60');
  }
  const binary = options.binary ?? findPrometheusBinary();
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-prometheus-'));
  try {
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, prometheusConfig(options));
    // The port is probed free, then bound by Prometheus: another process may win the race,
    // so a bind failure is retried on a new port.
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const instance = launch(binary, dir, configFile, port);
      try {
        await instance.waitReady(options.readyTimeoutMs ?? 30_000);
        return instance.handle;
      } catch (error) {
        await instance.handle.stop({ keepDir: true });
        const inUse = instance.handle.stderr().includes('address already in use');
        if (inUse && attempt < 3) continue;
        throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The watchdog. fd 3 keeps the pipe from Node; Prometheus runs in the background with
 * stdin from /dev/null (an asynchronous command's stdin would be /dev/null anyway, which
 * is why the pipe travels as fd 3). The reader terminates Prometheus at end of file; the
 * shell forwards SIGTERM and exits only once Prometheus has, with its status.
 */
const WATCHDOG_SCRIPT = [
  'exec 3<&0 0</dev/null',
  '"$@" 3<&- &',
  'child=$!',
  `trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP`,
  '( while read -r _ <&3; do :; done; kill -TERM "$child" 2>/dev/null ) &',
  'watcher=$!',
  'exec 3<&-',
  // A child that already exited (and was reaped) fails `kill -0`: the first wait still
  // returns its saved status. Waits interrupted by a trapped signal go round the loop.
  'wait "$child"; status=$?',
  'while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

const STDERR_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 10_000;

interface Launched {
  handle: PrometheusInstance & { stop(options?: { keepDir?: boolean }): Promise<void> };
  waitReady(timeoutMs: number): Promise<void>;
}

const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      killGroup(entry.child, 'SIGKILL');
      rmSync(entry.dir, { recursive: true, force: true });
    }
  });
}

function launch(binary: string, dir: string, configFile: string, port: number): Launched {
  installExitHook();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    '--storage.tsdb.retention.time=1d',
    '--log.level=warn',
  ];
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'prometheus-watchdog', binary, ...args], {
    detached: true,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const entry = { child, dir };
  live.add(entry);

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
  });
  // The pipe's write end is the lifeline; errors on it only mean the watchdog is gone.
  child.stdin?.on('error', () => undefined);

  let exitCode: number | undefined;
  let exited = false;
  let spawnError: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code ?? (signal ? 128 : undefined);
      live.delete(entry);
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      exited = true;
      live.delete(entry);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (options: { keepDir?: boolean } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        // Closing the pipe makes the watchdog send SIGTERM; SIGKILL the group if it hangs.
        child.stdin?.end();
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        await exitedPromise;
        clearTimeout(timer);
      }
      if (!options.keepDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const handle = {
    url,
    pid: child.pid ?? -1,
    directory: dir,
    stderr: () => stderr,
    stop,
  };

  const waitReady = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) {
        throw new PrometheusStartError(
          `could not run ${binary}: ${spawnError.message}`,
          { binary, exitCode: undefined, stderr },
          { cause: spawnError },
        );
      }
      if (exited) {
        throw new PrometheusStartError(
          `Prometheus (${binary}) exited with code ${String(exitCode)} before it was ready` +
            (stderr ? `:\n${lastLines(stderr, 20)}` : ''),
          { binary, exitCode, stderr },
        );
      }
      if (await isReady(url)) return;
      if (Date.now() > deadline) {
        throw new PrometheusStartError(
          `Prometheus (${binary}) was not ready at ${url}/-/ready within ${timeoutMs} ms` +
            (stderr ? `:\n${lastLines(stderr, 20)}` : ''),
          { binary, exitCode: undefined, stderr },
        );
      }
      await Promise.race([exitedPromise, delay(100)]);
    }
  };

  return { handle, waitReady };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole process group (watchdog, reader and Prometheus).
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Asks the kernel for a free port on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
