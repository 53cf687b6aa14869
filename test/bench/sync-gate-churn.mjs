/**
 * The sync gate under config churn on real istiod, over 200 weight steps: the conformance
 * file `test/conformance/sync-gate-churn.test.ts` (60 steps in the tier) run alone with
 * SWITCHYARD_CHURN_STEPS (default 200). Prints each step (proxies lacking the weights at each
 * gate's verdict, and its lag after the write) and the summary: early verdicts of the fenced
 * gate (must be 0) and of the baseline-only rule, proxies read, median lags. Fails when the
 * conformance file fails.
 *
 *   node test/bench/sync-gate-churn.mjs [--steps 200]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg > 0 ? process.argv[stepsArg + 1] : '200';
process.stdout.write(
  `sync gate under churn: ${steps} steps (load average ${loadavg()[0].toFixed(1)})\n`,
);
const result = spawnSync(
  process.execPath,
  ['scripts/conformance.mjs', 'test/conformance/sync-gate-churn.test.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, SWITCHYARD_CHURN_STEPS: steps, SWITCHYARD_CHURN_VERBOSE: '1' },
  },
);
process.stdout.write(`load average after: ${loadavg()[0].toFixed(1)}\n`);
process.exitCode = result.status ?? 1;
