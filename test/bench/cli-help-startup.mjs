/**
 * Start-up time of `switchyard --help` and `switchyard release --help`: the built binary
 * spawned N times each, wall time from spawn to exit. The CLI loads a command's handler
 * (and with it @switchyard/core and @kubernetes/client-node, ~0.45 s) only when the
 * command runs, so help stays cheap. Target: median under 300 ms on an idle machine.
 * Also prints `node -e 0` as the floor, to tell machine load from CLI cost.
 *
 * Run after `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/cli-help-startup.mjs [runs]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const RUNS = Number(process.argv[2] ?? 15);
const WARMUP = 2;
const TARGET_MS = 300;

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return elapsed;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function measure(label, args) {
  for (let i = 0; i < WARMUP; i++) timeOnce(args);
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(timeOnce(args));
  times.sort((a, b) => a - b);
  const median = percentile(times, 50);
  const p90 = percentile(times, 90);
  console.log(
    `${label.padEnd(28)} median ${median.toFixed(0).padStart(4)} ms   p90 ${p90.toFixed(0).padStart(4)} ms   min ${times[0].toFixed(0).padStart(4)} ms   (${RUNS} runs)`,
  );
  return median;
}

const floor = measure('node -e 0 (floor)', ['-e', '0']);
const help = measure('switchyard --help', [BIN, '--help']);
const releaseHelp = measure('switchyard release --help', [BIN, 'release', '--help']);
console.log(
  `target: median under ${TARGET_MS} ms: --help ${help < TARGET_MS ? 'met' : 'NOT met'}, release --help ${releaseHelp < TARGET_MS ? 'met' : 'NOT met'}; ` +
    `CLI cost over bare node: ${(help - floor).toFixed(0)} ms / ${(releaseHelp - floor).toFixed(0)} ms`,
);
