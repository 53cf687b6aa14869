/**
 * The last step of a canary (100 %, no stable traffic) after a step promoted early: how often
 * the stratum straddling the switch (the stable slot's last requests beside the canary's, at
 * a high share) takes the promotion likelihood ratio below 1/beta, and what each rule makes
 * of the last bake (docs/sequential-verdicts.md, "Steps where the stable slot gets no
 * traffic"). The settings of test/scenarios/sequential-release.test.ts: 100 rps, both slots
 * failing 2 % of requests (per-request draws), 50 % then 100 %, an evaluation every 2 s, a
 * minimum bake of 4 s. The straddle: 0.5 to 1.5 s of traffic at 50 % after the last read at
 * 50 %, then 1 to 2.5 s at 100 %, in one stratum (as the scenario run showed: stable +39
 * requests, canary +276).
 *
 * Prints figures, no assertions. Seeded: the same figures on every run. Run after
 * `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/sequential-last-step.mjs     # about a second of CPU
 */
import {
  DEFAULT_RATE_RATIO_SETTINGS,
  judgeWithoutStableTraffic,
  promotionLogRatio,
  rateRatioVerdict,
  startRateRatioTest,
  updateRateRatioTest,
} from '@switchyard/core/internal-testing';
import { seededRandom } from './sequential/random.mjs';

const RUNS = Number(process.env.SEQUENTIAL_BENCH_RUNS ?? 3000);
const RPS = 100;
const FAILURE_RATE = 0.02;
const INTERVAL_S = 2;
const MIN_BAKE_INTERVALS = 2;
const THRESHOLD = Math.log(1 / DEFAULT_RATE_RATIO_SETTINGS.beta);

const random = seededRandom(22);
const binomial = (n, p) => {
  let k = 0;
  for (let i = 0; i < n; i++) if (random.uniform() < p) k++;
  return k;
};

/** What both slots served over `seconds` with the canary at `share`. */
function served(seconds, share) {
  const requests = random.poisson(RPS * seconds);
  const canary = binomial(requests, share);
  const stable = requests - canary;
  return {
    canary: { requests: canary, events: binomial(canary, FAILURE_RATE) },
    stable: { requests: stable, events: binomial(stable, FAILURE_RATE) },
  };
}

const add = (a, b) => ({ requests: a.requests + b.requests, events: a.events + b.events });

let rolledBack = 0;
let fell = 0;
let promotedByCarried = 0;
const carriedRatios = [];
const straddleShares = [];
for (let run = 0; run < RUNS; run++) {
  // The bake at 50 %: it ends at the first evaluation at or above 1/beta after the minimum.
  // A false rollback (at most alpha) ends the release there: it has no last step.
  let state = startRateRatioTest(DEFAULT_RATE_RATIO_SETTINGS);
  for (let i = 1; ; i++) {
    state = updateRateRatioTest(state, [served(INTERVAL_S, 0.5)]);
    if (rateRatioVerdict(state) === 'rollback') break;
    if (i >= MIN_BAKE_INTERVALS && promotionLogRatio(state) >= THRESHOLD) break;
  }
  if (rateRatioVerdict(state) === 'rollback') {
    rolledBack++;
    continue;
  }
  carriedRatios.push(Math.exp(promotionLogRatio(state)));
  // The step at 100 % begins: the comparison is told the stable slot gets no traffic.
  state = judgeWithoutStableTraffic(state, false);
  const before = served(0.5 + random.uniform(), 0.5);
  const after = served(1 + 1.5 * random.uniform(), 1);
  const straddle = { canary: add(before.canary, after.canary), stable: before.stable };
  straddleShares.push(
    straddle.canary.requests / (straddle.canary.requests + straddle.stable.requests),
  );
  state = updateRateRatioTest(state, [straddle]);
  // Then intervals at 100 %: the stable pods report nothing new.
  for (let i = 0; i < 5; i++) state = updateRateRatioTest(state, [served(INTERVAL_S, 1)]);
  if (promotionLogRatio(state) < THRESHOLD) fell++;
  if (rateRatioVerdict(state) === 'promote') promotedByCarried++;
}

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * values.length)];
const promoted = RUNS - rolledBack;
const pct = (n) => `${((100 * n) / promoted).toFixed(1)}%`;
console.log(
  `sequential, last step at 100 % after a step promoted early: ${RUNS} seeded runs, ` +
    `${rolledBack} falsely rolled back at 50 %, ${promoted} promoted early there (the shares below are of these)`,
);
console.log(
  `(${RPS} rps, both slots at ${FAILURE_RATE * 100} %, evaluations every ${INTERVAL_S} s, beta ${DEFAULT_RATE_RATIO_SETTINGS.beta})\n`,
);
console.log('| figure                                                         | value |');
console.log('| -------------------------------------------------------------- | ----- |');
const row = (label, value) => console.log(`| ${label.padEnd(62)} | ${String(value).padEnd(5)} |`);
row(
  'promotion likelihood ratio carried into the last step, median',
  quantile(carriedRatios, 0.5).toFixed(0),
);
row('the same, p90', quantile(carriedRatios, 0.9).toFixed(0));
row("canary's share in the straddling stratum, median", quantile(straddleShares, 0.5).toFixed(2));
row('ratio below 1/beta after the straddle, for good', pct(fell));
row('last bake ended early, judged on the current ratio (old rule)', pct(promoted - fell));
row('last bake ended early, judged on the ratio carried in (rule)', pct(promotedByCarried));
