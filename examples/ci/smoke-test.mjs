#!/usr/bin/env node
// Header-routed smoke test of a deployed candidate, for the pipelines in examples/ci.
// Copy it into your repository as ci/smoke-test.mjs. It needs Node >= 20 (the switchyard
// image has it) and nothing else.
//
// After `switchyard deploy`, the candidate has no user traffic: only requests carrying the
// pre-release header reach it. So every request Prometheus sees arriving at the candidate's
// workload is header-routed. This script
//   1. asks `switchyard status` which Deployment is the candidate (its weight must be 0);
//   2. with SMOKE_URL set, sends SMOKE_REQUESTS requests carrying SMOKE_HEADER to it, each
//      of which must answer 2xx (without SMOKE_URL, an in-cluster tester sends them, e.g. an
//      end-to-end suite or load tester configured with the header);
//   3. waits until Istio's metrics (istio_requests_total, destination side) show at least
//      SMOKE_MIN_REQUESTS requests served by the candidate since the test started, and fails
//      at once if any of them was a 5xx.
//
// Environment:
//   SERVICE                      the Service, as given to switchyard (required)
//   SWITCHYARD_PROMETHEUS_URL    Prometheus base URL (required; user:password@ is allowed)
//   SWITCHYARD_NAMESPACE, SWITCHYARD_FILE, KUBECONFIG   read by switchyard itself
//   SMOKE_HEADER                 NAME=VALUE of the pre-release header (default x-release=candidate)
//   SMOKE_URL                    URL to send requests to (an ingress host routed by the
//                                VirtualService); unset: rely on an in-cluster tester
//   SMOKE_REQUESTS               requests to send to SMOKE_URL (default 50)
//   SMOKE_MIN_REQUESTS           candidate requests Prometheus must see (default SMOKE_REQUESTS;
//                                50 requests all succeed by chance with a 20% error rate
//                                once in 70,000 runs, 10 requests once in 9)
//   SMOKE_TIMEOUT_SECONDS        how long to wait for them (default 120)
//   SWITCHYARD                   the switchyard command (default switchyard)
//
// Exit codes: 0 passed, 1 failed (the message says why), 2 invalid configuration.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const env = process.env;

class Invalid extends Error {}

function setting(name, fallback) {
  const value = env[name]?.trim();
  if (value) return value;
  if (fallback === undefined) throw new Invalid(`${name} is required`);
  return fallback;
}

function count(name, fallback) {
  const text = setting(name, String(fallback));
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Invalid(`${name} must be a whole number >= 1, got "${text}"`);
  }
  return value;
}

function log(message) {
  process.stdout.write(`smoke: ${message}\n`);
}

/** The candidate's Deployment and namespace, from `switchyard status -o json`. */
async function candidate(service) {
  const command = setting('SWITCHYARD', 'switchyard');
  let stdout;
  try {
    ({ stdout } = await run(command, ['status', service, '-o', 'json'], {
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    throw new Error(`switchyard status ${service} failed: ${error.stderr || error.message}`, {
      cause: error,
    });
  }
  const status = JSON.parse(stdout.trim().split('\n').at(-1));
  const slot = status.candidateSlot;
  if (status.phase !== 'deployed' || !slot) {
    throw new Error(
      `${service} has no deployed candidate (phase ${status.phase}); run switchyard deploy first`,
    );
  }
  if (status.weights[slot] !== 0) {
    throw new Error(
      `the candidate slot ${slot} already has ${status.weights[slot]}% of user traffic; this test needs it at 0`,
    );
  }
  return { namespace: status.namespace, workload: status.slots[slot].deployment, slot };
}

/** Splits credentials off a Prometheus URL (fetch refuses URLs that carry them). */
function prometheusEndpoint(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Invalid(`SWITCHYARD_PROMETHEUS_URL is not a URL`);
  }
  const headers = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { base: url.toString().replace(/\/+$/, ''), headers };
}

async function query(prometheus, promql) {
  const response = await fetch(`${prometheus.base}/api/v1/query`, {
    method: 'POST',
    headers: prometheus.headers,
    body: new URLSearchParams({ query: promql }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json().catch(() => ({}));
  if (body.status !== 'success') {
    throw new Error(`Prometheus refused the query: ${body.error ?? `HTTP ${response.status}`}`);
  }
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

async function sendRequests(url, header, requests) {
  const separator = header.indexOf('=');
  const headers = { [header.slice(0, separator)]: header.slice(separator + 1) };
  const failures = [];
  for (let i = 0; i < requests; i++) {
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) failures.push(`HTTP ${response.status}`);
    } catch (error) {
      failures.push(error.cause?.code ?? error.message);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${requests} requests to ${url} failed: ${[...new Set(failures)].join(', ')}`,
    );
  }
  log(`${requests} requests to ${url} with ${header}: all 2xx`);
}

async function main() {
  const service = setting('SERVICE');
  const prometheus = prometheusEndpoint(setting('SWITCHYARD_PROMETHEUS_URL'));
  const header = setting('SMOKE_HEADER', 'x-release=candidate');
  if (header.indexOf('=') < 1)
    throw new Invalid(`SMOKE_HEADER must be NAME=VALUE, got "${header}"`);
  const url = env.SMOKE_URL?.trim();
  const requests = count('SMOKE_REQUESTS', 50);
  const minRequests = count('SMOKE_MIN_REQUESTS', requests);
  const timeoutMs = count('SMOKE_TIMEOUT_SECONDS', 120) * 1000;

  const target = await candidate(service);
  log(`candidate ${target.namespace}/${target.workload} (slot ${target.slot}, no user traffic)`);
  const started = Date.now();
  if (url) await sendRequests(url, header, requests);
  else log(`no SMOKE_URL: counting requests an in-cluster tester sends with ${header}`);

  const selector = `reporter="destination",destination_workload="${target.workload}",destination_workload_namespace="${target.namespace}"`;
  const before = new Map(
    (await query(prometheus, `istio_requests_total{${selector}}`)).map((row) => [
      JSON.stringify(row.metric),
      row.value,
    ]),
  );
  const deadline = started + timeoutMs;
  let served;
  for (;;) {
    // Counted per series against the snapshot taken at the start, so only requests since
    // then count (not the users the slot served before, when it was the active one), and a
    // series that first appears now (the first 5xx) counts whole.
    const byCode = new Map();
    for (const row of await query(prometheus, `istio_requests_total{${selector}}`)) {
      const previous = before.get(JSON.stringify(row.metric)) ?? 0;
      const delta = row.value >= previous ? row.value - previous : row.value; // a restarted pod
      const code = row.metric.response_code ?? '?';
      byCode.set(code, (byCode.get(code) ?? 0) + delta);
    }
    served = [...byCode.values()].reduce((sum, n) => sum + n, 0);
    const errors = [...byCode].filter(([code, n]) => /^5/.test(code) && n > 0);
    if (errors.length > 0) {
      const failed = errors.reduce((sum, [, n]) => sum + n, 0);
      const codes = errors.map(([code]) => code).join(', ');
      throw new Error(
        `the candidate answered ${failed} of ${served} header-routed requests with ${codes}`,
      );
    }
    if (served >= minRequests) break;
    if (Date.now() >= deadline) {
      throw new Error(
        `Prometheus saw ${served} requests served by ${target.workload} within ${timeoutMs / 1000}s, fewer than ${minRequests}: is the header route in place, and does something send ${header}?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  log(`passed: ${served} header-routed requests served by ${target.workload}, no 5xx`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`smoke: FAILED: ${error.message}\n`);
  process.exitCode = error instanceof Invalid ? 2 : 1;
}
