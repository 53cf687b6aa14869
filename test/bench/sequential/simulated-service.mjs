/**
 * A simulated service for the statistical benchmark: a stable slot (3 pods) and a canary
 * slot (1 pod) behind per-request random routing, Istio proxies exposing
 * `istio_requests_total` for `response_code="200"` and `"503"` (reported by the destination
 * pods, or by 4 client pods for source-side metrics), and Prometheus scraping each target
 * every `scrapeSeconds` at its own phase. What comes out is what switchyard would read: raw
 * counter samples with timestamps.
 *
 * Between two scrapes of a pod, its successes and failures are independent Poisson draws
 * whose means integrate the scenario's traffic and failure probability over the span (Poisson
 * thinning: given the requests, failures are then exactly binomial). A `503` series exists
 * only from its first failure on, as Istio creates series. A restart resets the target's
 * counters to zero; requests counted since its previous scrape are lost with it.
 */

/** Stable and canary pods (destination-side reports), or client pods (source-side). */
const STABLE_PODS = 3;
const CANARY_PODS = 1;
const CLIENT_PODS = 4;

const WORKLOAD = { canary: 'reviews-green', stable: 'reviews-blue' };

/**
 * The scrape targets: with `reporter: 'destination'` (default, as the built-in checks read
 * Istio) each slot's pods report their own requests; with `'source'` each client pod's proxy
 * reports its requests to both slots, in the same scrape.
 */
function targetsOf(scenario) {
  if (scenario.reporter === 'source') {
    return Array.from({ length: CLIENT_PODS }, (_, i) => ({
      name: `client-${i}`,
      slots: { canary: 1 / CLIENT_PODS, stable: 1 / CLIENT_PODS },
    }));
  }
  return [
    ...Array.from({ length: STABLE_PODS }, (_, i) => ({
      name: `stable-${i}`,
      slots: { stable: 1 / STABLE_PODS },
    })),
    ...Array.from({ length: CANARY_PODS }, (_, i) => ({
      name: `canary-${i}`,
      slots: { canary: 1 / CANARY_PODS },
    })),
  ];
}

/** The scenario's expected successes and failures of `slot` over (t0, t1], times `part`. */
function expected(scenario, slot, part, t0, t1) {
  const share = slot === 'canary' ? scenario.weight : 1 - scenario.weight;
  const varying = scenario.traffic !== undefined || scenario.outage !== undefined;
  const steps = varying ? Math.max(1, Math.ceil(t1 - t0)) : 1;
  const h = (t1 - t0) / steps;
  let ok = 0;
  let failed = 0;
  for (let i = 0; i < steps; i++) {
    const t = t0 + (i + 0.5) * h;
    const rate = scenario.rps * (scenario.traffic ? scenario.traffic(t) : 1) * share * part;
    const p = failureProbability(scenario, slot, t);
    ok += rate * (1 - p) * h;
    failed += rate * p * h;
  }
  return { ok, failed };
}

/** A slot's failure probability at time t: its own, combined with an outage of both slots. */
function failureProbability(scenario, slot, t) {
  let p =
    slot === 'canary' && (scenario.faultAt === undefined || t >= scenario.faultAt)
      ? scenario.canaryErrors
      : scenario.stableErrors;
  const outage = scenario.outage;
  if (outage && t >= outage.from && t < outage.to) p = 1 - (1 - p) * (1 - outage.errors);
  return p;
}

/** A counter series of a target, with its scraped history. */
function counterSeries(target, slot, code, initial) {
  return {
    slot,
    failed: code !== '200',
    labels: {
      __name__: 'istio_requests_total',
      reporter: target.reporter,
      destination_workload: WORKLOAD[slot],
      instance: `${target.name}:15020`,
      response_code: code,
    },
    value: initial,
    values: [initial],
  };
}

/** The simulated service of one run. */
export class SimulatedService {
  constructor(scenario, random) {
    this.scenario = scenario;
    this.random = random;
    const scrape = scenario.scrapeSeconds;
    this.targets = targetsOf(scenario).map(({ name, slots }) => {
      const phase = random.uniform() * scrape;
      const target = { name, slots, reporter: scenario.reporter ?? 'destination' };
      const series = [];
      for (const slot of Object.keys(slots)) {
        // Long-running traffic to the stable slot has big counters; the canary only a little
        // header-routed pre-release traffic, and no failure yet (no 503 series).
        const stable = slot === 'stable';
        series.push(
          counterSeries(
            target,
            slot,
            '200',
            stable ? 1e6 + Math.floor(random.uniform() * 1e5) : 40,
          ),
        );
        series.push(
          counterSeries(
            target,
            slot,
            '503',
            stable ? 5000 + Math.floor(random.uniform() * 500) : Number.NaN,
          ),
        );
      }
      return {
        ...target,
        series,
        resets: (scenario.resets ?? []).filter((r) => r.target === name).map((r) => r.at),
        lastScrape: phase - scrape,
        nextScrape: phase,
        ts: [phase - scrape],
      };
    });
  }

  /** Scrapes every target up to time `t` (inclusive); returns the new samples as counter series. */
  advanceTo(t) {
    const out = [];
    for (const target of this.targets) {
      const samples = target.series.map(() => []);
      while (target.nextScrape <= t) {
        const at = target.nextScrape;
        let from = target.lastScrape;
        const reset = target.resets.find((r) => r > from && r <= at);
        if (reset !== undefined) {
          // The proxy restarted: counters start over, series reappear with their first request.
          for (const series of target.series) series.value = series.failed ? Number.NaN : 0;
          from = reset;
        }
        for (const slot of Object.keys(target.slots)) {
          const mean = expected(this.scenario, slot, target.slots[slot], from, at);
          for (const series of target.series) {
            if (series.slot !== slot) continue;
            const n = this.random.poisson(series.failed ? mean.failed : mean.ok);
            if (n > 0 || !Number.isNaN(series.value))
              series.value = (Number.isNaN(series.value) ? 0 : series.value) + n;
          }
        }
        target.lastScrape = at;
        target.nextScrape = at + this.scenario.scrapeSeconds;
        target.ts.push(at);
        target.series.forEach((series, i) => {
          series.values.push(series.value);
          if (!Number.isNaN(series.value))
            samples[i].push({ timestampMs: at * 1000, value: series.value });
        });
      }
      target.series.forEach((series, i) => {
        if (samples[i].length > 0) out.push({ labels: series.labels, samples: samples[i] });
      });
    }
    return out;
  }

  /** The counter series at t = 0 (the baseline read). */
  baseline() {
    return this.targets.flatMap((target) =>
      target.series
        .filter((series) => !Number.isNaN(series.values[0]))
        .map((series) => ({
          labels: series.labels,
          samples: [{ timestampMs: target.ts[0] * 1000, value: series.values[0] }],
        })),
    );
  }

  /**
   * The canary's requests and failures over the window (t - seconds, t] as PromQL would see
   * them: `increase` (every sample in the window, resets handled, no extrapolation) or
   * `irate` (the last two samples). Undefined when no series has two samples in the window.
   */
  canaryWindow(t, seconds, mode) {
    let total = 0;
    let failed = 0;
    let seen = false;
    for (const target of this.targets) {
      if (target.slots.canary === undefined) continue;
      const first = firstIndexAfter(target.ts, t - seconds);
      const last = firstIndexAfter(target.ts, t) - 1;
      const start = mode === 'irate' ? Math.max(first, last - 1) : first;
      if (last - start < 1) continue;
      seen = true;
      for (const series of target.series) {
        if (series.slot !== 'canary') continue;
        const counted = increase(series.values, start, last);
        total += counted;
        if (series.failed) failed += counted;
      }
    }
    return seen ? { total, failed } : undefined;
  }
}

/** Index of the first entry of sorted `values` greater than `x`. */
function firstIndexAfter(values, x) {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (values[mid] <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** PromQL's increase over values[start..last] without extrapolation; NaN entries (no series yet) skipped. */
function increase(values, start, last) {
  let total = 0;
  let previous = Number.NaN;
  for (let i = start; i <= last; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      previous = Number.NaN;
      continue;
    }
    if (!Number.isNaN(previous)) total += v >= previous ? v - previous : v;
    previous = v;
  }
  return total;
}
