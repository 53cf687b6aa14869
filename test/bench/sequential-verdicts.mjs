/**
 * Statistical benchmark of the sequential verdicts (issue 22): simulated counter streams of
 * a stable slot and a canary, read the way switchyard reads Prometheus (raw samples every
 * 10 s), judged by the anytime-valid rate-ratio test and, on the same streams, by threshold
 * rules configured as Flagger's, Argo Rollouts' and switchyard's current defaults, and as
 * switchyard's rule calibrated to the same false-rollback rate (see sequential/rules.mjs).
 *
 * It prints tables, no assertions: time to rollback (median / p90 from the canary's first
 * request, with the share caught within the hour when not all were), false rollbacks of an
 * identical canary over one hour (with the 95 % Clopper-Pearson upper bound), and the time to
 * early promotion of an identical canary. Seeded: the same figures on every run.
 *
 * Run after `node node_modules/typescript/bin/tsc -b`:
 *
 *   node test/bench/sequential-verdicts.mjs            # about a minute of CPU
 *   SEQUENTIAL_BENCH_RUNS=200 node test/bench/sequential-verdicts.mjs   # quicker, rougher
 */
import { cpus } from 'node:os';
import {
  clopperPearsonUpper,
  DEFAULT_RATE_RATIO_SETTINGS,
} from '@switchyard/core/internal-testing';
import { seededRandom } from './sequential/random.mjs';
import { argoRule, flaggerRule, sequentialRule, switchyardRule } from './sequential/rules.mjs';
import { SimulatedService } from './sequential/simulated-service.mjs';

/** Runs per row of an identical canary (one simulated hour each). */
const IDENTICAL_RUNS = Number(process.env.SEQUENTIAL_BENCH_RUNS ?? 1000);
/** Runs per row of a worse canary (each stops once every rule has rolled back). */
const DETECTION_RUNS = Math.max(50, Math.round(IDENTICAL_RUNS / 2));
const HORIZON = 3600;
const TICK = 10;
const SETTINGS = DEFAULT_RATE_RATIO_SETTINGS;
/** Columns: the sequential test, the three tools' defaults, switchyard's rule calibrated twice. */
const RULES = ['sequential', 'flagger', 'argo', 'switchyard', 'threshold @1%/h', 'threshold @seq'];

/**
 * Simulates `runs` runs of `scenario`; returns per rule the rollback times (undefined: none),
 * the sequential test's early-promotion times per margin, and what calibration needs.
 * `thresholds` are the failure rates of the two calibrated threshold columns.
 */
function simulate(scenario, runs, seed, thresholds, extraMargins = []) {
  const margins = [SETTINGS.margin, ...extraMargins];
  const times = Object.fromEntries(RULES.map((rule) => [rule, []]));
  const promotions = Object.fromEntries(margins.map((margin) => [margin, []]));
  const worstPairs = [];
  const inconclusiveRollbacks = [];
  for (let run = 0; run < runs; run++) {
    const service = new SimulatedService(scenario, seededRandom(seed * 1_000_003 + run));
    // Source-side reports: one stratum per reporting client pod (exact spans).
    const strata = scenario.reporter === 'source' ? { stratumOf: (labels) => labels.instance } : {};
    const sequential = margins.map((margin) => sequentialRule({ ...SETTINGS, margin }, strata));
    const rules = [
      sequential[0],
      flaggerRule(),
      argoRule(),
      switchyardRule(0.01),
      switchyardRule(thresholds?.hourly ?? 0.01),
      switchyardRule(thresholds?.matched ?? 0.01),
    ];
    const baseline = service.baseline();
    for (const rule of sequential) rule.start(baseline);
    const observers = [...new Set([...rules, ...sequential])];
    for (let t = TICK; t <= HORIZON; t += TICK) {
      const series = service.advanceTo(t);
      for (const rule of observers)
        if (rule.rollbackAt === undefined) rule.observe(t, series, service);
      if (!scenario.identical && rules.every((rule) => rule.rollbackAt !== undefined)) break;
    }
    rules.forEach((rule, i) => times[RULES[i]].push(rule.rollbackAt));
    sequential.forEach((rule, i) => promotions[margins[i]].push(rule.promoteAt));
    worstPairs.push(rules[3].worstPair);
    inconclusiveRollbacks.push(rules[3].inconclusiveAt);
  }
  return { times, promotions, worstPairs, inconclusiveRollbacks };
}

/**
 * The failure rate above which switchyard's rule rolls back at most `share` of the identical
 * runs: it rolls back on failures exactly when two conclusive evaluations in a row exceed
 * its threshold (`worstPair` above it).
 */
function calibrate(worstPairs, share) {
  const sorted = [...worstPairs].sort((a, b) => b - a);
  return sorted[Math.floor(share * sorted.length)];
}

/** The calibrated columns on the identical runs they were calibrated on. */
function calibratedTimes(identical, threshold) {
  return identical.worstPairs.map((worst, i) =>
    worst > threshold || identical.inconclusiveRollbacks[i] !== undefined ? 0 : undefined,
  );
}

function duration(seconds) {
  if (seconds === undefined) return '>1 h';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${(seconds / 60).toFixed(1)} min`;
}

/** "median / p90", or with the share caught when some runs never decided within the hour. */
function timeCell(times, offset = 0) {
  const decided = times
    .filter((t) => t !== undefined)
    .map((t) => t - offset)
    .sort((a, b) => a - b);
  const share = decided.length / times.length;
  const at = (q) => (q <= share ? decided[Math.ceil(q * times.length) - 1] : undefined);
  const cell = `${duration(at(0.5))} / ${duration(at(0.9))}`;
  return share < 1 ? `${cell} (${pct(share)} caught)` : cell;
}

function pct(share) {
  if (share === 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${Number((share * 100).toPrecision(share < 0.1 ? 2 : 3))}%`;
}

function falseRollbackCell(times) {
  const k = times.filter((t) => t !== undefined).length;
  return `${pct(k / times.length)} (≤${pct(clopperPearsonUpper(k, times.length))})`;
}

function table(title, header, rows) {
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

const BASE = {
  rps: 100,
  weight: 0.1,
  stableErrors: 0.005,
  scrapeSeconds: 15,
};
const CONFIGS = [
  { label: '100 rps, canary 10 %', ...BASE },
  { label: '10 rps, canary 10 %', ...BASE, rps: 10 },
  { label: '1,000 rps, canary 10 %', ...BASE, rps: 1000 },
  { label: '100 rps, canary 5 %', ...BASE, weight: 0.05 },
  { label: '100 rps, canary 25 %', ...BASE, weight: 0.25 },
];
const CANARY_RATES = [0.01, 0.025, 0.05, 0.25];

const started = process.cpuUsage();
console.log(
  `sequential verdicts: ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'} ` +
    `(${cpus().length} cores), Node ${process.version}; ${IDENTICAL_RUNS} runs per identical row, ` +
    `${DETECTION_RUNS} per other row; settings alpha ${SETTINGS.alpha}, beta ${SETTINGS.beta}, ` +
    `tolerated ratio ${SETTINGS.tolerance}, margin ${SETTINGS.margin}; stable slot at 0.5 % failures; ` +
    `times from the canary's first request.`,
);

let seed = 1;
const calibrations = {};
for (const config of CONFIGS) {
  const extra = config === CONFIGS[0] ? [1.5, 3] : [];
  const identical = simulate(
    { ...config, canaryErrors: config.stableErrors, identical: true },
    IDENTICAL_RUNS,
    seed++,
    undefined,
    extra,
  );
  const sequentialRate =
    identical.times.sequential.filter((t) => t !== undefined).length / IDENTICAL_RUNS;
  const thresholds = {
    hourly: calibrate(identical.worstPairs, 0.01),
    matched: calibrate(identical.worstPairs, sequentialRate),
  };
  calibrations[config.label] = thresholds;
  identical.times['threshold @1%/h'] = calibratedTimes(identical, thresholds.hourly);
  identical.times['threshold @seq'] = calibratedTimes(identical, thresholds.matched);
  const rows = [
    [
      'identical: false rollbacks in 1 h',
      ...RULES.map((r) => falseRollbackCell(identical.times[r])),
    ],
    [
      'identical: early promotion',
      timeCell(identical.promotions[SETTINGS.margin]),
      ...RULES.slice(1).map(() => '— (bake time)'),
    ],
  ];
  for (const rate of CANARY_RATES) {
    const worse = simulate({ ...config, canaryErrors: rate }, DETECTION_RUNS, seed++, thresholds);
    rows.push([
      `canary ${pct(rate)}: time to rollback`,
      ...RULES.map((r) => timeCell(worse.times[r])),
    ]);
  }
  table(
    `${config.label}, stable 0.5 % failures, 15 s scrapes (thresholds: fail above ` +
      `${pct(thresholds.hourly)} (1 %/h) and ${pct(thresholds.matched)} (the sequential ` +
      `test's ${pct(sequentialRate)}) in the 1m window)`,
    ['canary', ...RULES],
    rows,
  );
  if (extra.length > 0) {
    table(
      `Early promotion of an identical canary by margin (${config.label})`,
      ['margin', 'median / p90'],
      [SETTINGS.margin, ...extra]
        .sort((a, b) => a - b)
        .map((margin) => [`${margin}x`, timeCell(identical.promotions[margin])]),
    );
  }
}

const base = CONFIGS[0];
const thresholdsBase = calibrations[base.label];
const swing = { traffic: (t) => 1 + 0.5 * Math.sin((2 * Math.PI * t) / 600) };
const outage = { outage: { from: 120, to: 240, errors: 0.3 } };
const resets = {
  scrapeSeconds: 30,
  resets: [
    { target: 'canary-0', at: 200 },
    { target: 'stable-1', at: 500 },
  ],
};
const stressRows = [];
for (const [label, extra] of [
  ['traffic swinging x3 (10 min period)', swing],
  ['outage of both slots, 30 % failures from 2 to 4 min', outage],
  ['the same outage, source-side metrics (4 client pods)', { ...outage, reporter: 'source' }],
  ['30 s scrapes, canary and stable pods restarted', resets],
]) {
  const scenario = { ...base, ...extra };
  const identical = simulate(
    { ...scenario, canaryErrors: base.stableErrors, identical: true },
    IDENTICAL_RUNS,
    seed++,
    thresholdsBase,
  );
  stressRows.push([
    `${label}: identical, false rollbacks in 1 h`,
    ...RULES.map((r) => falseRollbackCell(identical.times[r])),
  ]);
  stressRows.push([
    `${label}: identical, early promotion`,
    timeCell(identical.promotions[SETTINGS.margin]),
    ...RULES.slice(1).map(() => '—'),
  ]);
  const worse = simulate(
    { ...scenario, canaryErrors: 0.05 },
    DETECTION_RUNS,
    seed++,
    thresholdsBase,
  );
  stressRows.push([
    `${label}: canary 5%, time to rollback`,
    ...RULES.map((r) => timeCell(worse.times[r])),
  ]);
}
const late = simulate(
  { ...base, canaryErrors: 0.05, faultAt: 1800, identical: true },
  DETECTION_RUNS,
  seed,
  thresholdsBase,
);
stressRows.push([
  'canary identical for 30 min, then 5%: time to rollback after the fault',
  ...RULES.map((r) => {
    const times = late.times[r];
    const early = times.filter((t) => t !== undefined && t < 1800).length;
    const after = times.filter((t) => t === undefined || t >= 1800);
    const cell = timeCell(
      after.map((t) => (t !== undefined && t - 1800 <= 1800 ? t : undefined)),
      1800,
    );
    return early > 0 ? `${cell}; ${pct(early / times.length)} rolled back before` : cell;
  }),
]);
table(
  `Stress (${base.label}, stable 0.5 % failures; calibrated as above)`,
  ['scenario', ...RULES],
  stressRows,
);

const cpu = process.cpuUsage(started);
console.log(`\nCPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
