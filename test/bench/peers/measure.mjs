/**
 * The arithmetic of test/bench/peers.mjs: from the fleet's ground truth (request records of
 * GET /requests, route windows of GET /routes polled over a run) to one row of the table.
 * Pure functions, so measure.test.ts can check every number a row shows.
 */

/** The sender pods of a client seen in the route windows of one poll. */
function senders(windows, client) {
  const pods = new Set();
  for (const w of windows)
    if (w.client === client) for (const p of Object.keys(w.perProxy)) pods.add(p);
  return [...pods];
}

/** The first poll at or after `from` where every sender of `client` sends all to `image`. */
export function allRoutedAt(routes, client, image, from) {
  for (const poll of routes) {
    if (poll.at < from) continue;
    const pods = senders(poll.windows, client);
    const w = poll.windows.find((x) => x.client === client && x.image === image);
    if (pods.length > 0 && w && pods.every((p) => (w.perProxy[p] ?? 0) >= 0.999)) return poll.at;
  }
  return undefined;
}

/** A request the user saw fail: no answer (0) or a 5xx. */
const failed = (records) => records.filter((r) => r.status === 0 || r.status >= 500);

/** Failed requests refused by a pod that serves but whose sidecar had no config yet. */
export const refusedByUnconfigured = (records) =>
  failed(records).filter((r) => r.flags.startsWith('UF') && !(r.gone > 0)).length;

function countBy(items, key) {
  const out = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/**
 * One row from one run. `records`: the run's request records of its namespace; `routes`:
 * its polls of the route windows ({ at, windows }), in order; `t0`/`end`: the run's window
 * (the release started at t0; end is after the settle time); `verdict`: the tool's last
 * word ({ at, text }, for a header run also `window`: [from, to] of the watched test);
 * `users`/`testers`: the client names; `image`: the version released; `stuckPod`: the
 * users' proxy held stuck, if any; `promFailed`: Prometheus' count of failed user requests
 * over [t0, end].
 */
/**
 * @typedef {object} Row
 * @property {string} tool
 * @property {string} scenario
 * @property {string} profile
 * @property {string} row
 * @property {number} failed failed user requests in the run window (fleet)
 * @property {number} users user requests in the run window (fleet)
 * @property {number} gone user requests that reached a pod no longer serving
 * @property {number} promFailed failed user requests by Prometheus' count
 * @property {Record<string, number>} flags failed user requests by `<status> <flags>`
 * @property {number} refused failed user requests whose every attempt was refused by a
 *   ready pod whose own sidecar had no config yet (UF, no attempt to a gone pod): the test
 *   bed makes a pod Ready after a fixed delay, where Istio's istio-proxy readiness probe
 *   waits for that first config, so these are the bed's, not the tool's
 * @property {string} verdict the tool's last word, or the header test's outcome
 * @property {number} [duration] start to every user proxy routing all to the new version
 * @property {number} [claimed] start to the tool's verdict
 * @property {number} [restore] first bad request to no proxy routing to the bad version
 * @property {boolean} [restoreNever] a bad request was answered and a proxy still routes there
 * @property {number} [failedBetween] failed user requests from the first bad one to the restore
 * @property {number} [stuckFailed] failed user requests through the stuck proxy
 * @property {number} [stuckTotal] user requests through the stuck proxy
 */

/** @returns {Row} */
export function summarise(run) {
  const { scenario, records, routes, t0, end, verdict, image } = run;
  const users = records.filter((r) => r.client === run.users && r.at >= t0 && r.at <= end);
  /** @type {Row} */
  const result = {
    tool: run.tool,
    scenario,
    profile: run.profile,
    row: run.row,
    failed: failed(users).length,
    users: users.length,
    gone: users.filter((r) => r.gone > 0).length,
    promFailed: run.promFailed,
    flags: countBy(failed(users), (r) => `${r.status} ${r.flags}`),
    refused: refusedByUnconfigured(users),
    verdict: verdict.text,
  };
  if (scenario === 'header') {
    const [from, to] = verdict.window;
    const testers = records.filter((r) => r.client === run.testers && r.at >= from && r.at <= to);
    const reached = testers.filter((r) => r.image === image).length;
    const usersToCandidate = users.filter((r) => r.image === image).length;
    result.duration = verdict.at - t0;
    result.verdict = `${verdict.text}; testers ${((100 * reached) / Math.max(1, testers.length)).toFixed(0)}% on candidate, users ${usersToCandidate} on candidate`;
    return result;
  }
  const allNew = allRoutedAt(routes, run.users, image, t0);
  result.duration =
    scenario === 'healthy' || scenario === 'stuck' ? allNew && allNew - t0 : undefined;
  result.claimed = verdict.at - t0;
  if (scenario.startsWith('bad')) {
    const firstBad = users.find((r) => r.image === image)?.at;
    const finalRoutes = routes.at(-1)?.windows ?? [];
    const w = finalRoutes.find((x) => x.client === run.users && x.image === image);
    const restoredAt = w && w.share === 0 && w.unroutedSince > 0 ? w.unroutedSince : undefined;
    result.restore = firstBad && restoredAt ? restoredAt - firstBad : undefined;
    result.restoreNever = firstBad !== undefined && restoredAt === undefined;
    result.failedBetween = failed(
      users.filter((r) => r.at >= (firstBad ?? 0) && r.at <= (restoredAt ?? end)),
    ).length;
  }
  if (scenario === 'stuck') {
    const through = users.filter((r) => r.pod === run.stuckPod);
    result.stuckFailed = failed(through).length;
    result.stuckTotal = through.length;
  }
  return result;
}

export const seconds = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** The Markdown table of the rows. */
export function table(results) {
  const header = [
    'tool',
    'scenario',
    'profile',
    'settings',
    'duration',
    'failed user requests (fleet / Prometheus)',
    'requests to gone pods',
    'time to restore',
    'verdict',
  ];
  const rows = results.map((r) => {
    let failedCell = `${r.failed} of ${r.users} / ${r.promFailed}`;
    const kinds = Object.entries(r.flags ?? {}).map(([k, n]) => `${n}x ${k}`);
    if (kinds.length > 0) failedCell += ` [${kinds.join(', ')}]`;
    if (r.refused > 0) failedCell += ` (${r.refused} refused by a new pod's unconfigured sidecar)`;
    if (r.failedBetween !== undefined) failedCell += ` (${r.failedBetween} before restore)`;
    if (r.stuckFailed !== undefined)
      failedCell += ` (${r.stuckFailed} of ${r.stuckTotal} via the stuck proxy)`;
    const restore = r.restoreNever ? 'never' : seconds(r.restore);
    const verdict =
      r.claimed !== undefined ? `${r.verdict} at ${seconds(r.claimed)}` : (r.verdict ?? '-');
    return [
      r.tool,
      r.scenario,
      r.profile,
      r.row,
      seconds(r.duration),
      failedCell,
      `${r.gone}`,
      restore,
      verdict,
    ];
  });
  const lines = [header, header.map(() => '---'), ...rows].map(
    (cells) => `| ${cells.map((c) => c.replace(/\s*\n\s*/g, ' ')).join(' | ')} |`,
  );
  return lines.join('\n');
}
