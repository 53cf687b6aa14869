/**
 * Side by side: switchyard, Flagger and Argo Rollouts releasing the same app with the same
 * traffic on the same real control plane (testbed/: kube-apiserver, two istiod replicas, the
 * proxy fleet on real xDS, real Prometheus), each configured as its own docs prescribe
 * (test/bench/peers/<tool>/, every file citing its doc page). Every number comes from the
 * fleet's ground truth (GET /requests: who answered each request, code, flags, attempts to
 * pods no longer serving; GET /routes: when the last proxy stopped routing to an image) and
 * from the real Prometheus (fleet_client_requests_total), never from a tool's own account.
 *
 *   node test/bench/peers.mjs [--quick] [--tools switchyard,flagger,argo-rollouts]
 *        [--scenarios healthy,bad-5,bad-50,stuck,header] [--profiles normal,slow]
 *        [--rows shortest,defaults] [--keep] [--dir D] [--out F]
 *   node test/bench/peers.mjs --table F[,F...]
 *
 * --quick: the shortest-settings rows under the normal profile (19 minutes on a
 * loaded 2-core machine). The full matrix (both rows, both profiles) runs for hours: the
 * documented defaults bake and analyse in minutes per step. Builds what is missing first
 * (the test bed and the peers: npm run testbed -- build --peers), then starts one test bed
 * with `up --peers` and stops it at the end (--keep leaves it and the namespaces; --dir D
 * uses a bed already up in D with --peers). --out F appends each cell's result to F as a
 * JSON line as soon as it is known; --table prints the table of such files. Run after
 * `node node_modules/typescript/bin/tsc -b` (switchyard runs through its library API).
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploy, release } from '@switchyard/core';
import { allRoutedAt, summarise, table } from './peers/measure.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const objects = join(root, 'test', 'bench', 'peers');

const IMAGES = {
  v1: 'example.com/reviews:v1',
  v2: 'example.com/reviews:v2',
  'bad-5': 'example.com/reviews:bad-5pct',
  'bad-50': 'example.com/reviews:bad-50pct',
};
const BEHAVIOURS = {
  [IMAGES.v1]: { errorRate: 0 },
  [IMAGES.v2]: { errorRate: 0 },
  [IMAGES['bad-5']]: { errorRate: 0.05, errorStatus: 500 },
  [IMAGES['bad-50']]: { errorRate: 0.5, errorStatus: 500 },
};
/** After a tool's last word, how long the fleet keeps counting (scale-downs land here). */
const SETTLE_MS = { normal: 45_000, slow: 120_000 };
/** How long a header-routed pre-release test is watched once the route is in place. */
const HEADER_WINDOW_MS = 30_000;
const USERS = 'productpage';
const TESTERS = 'release-tester';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1].split(',') : fallback;
}
const quick = process.argv.includes('--quick');
const TOOLS = option('tools', ['switchyard', 'flagger', 'argo-rollouts']);
const SCENARIOS = option('scenarios', ['healthy', 'bad-5', 'bad-50', 'stuck', 'header']);
const PROFILES = option('profiles', quick ? ['normal'] : ['normal', 'slow']);
const ROWS = option('rows', quick ? ['shortest'] : ['shortest', 'defaults']);

/** Tells this run's namespaces from an earlier run's on a bed kept up (--dir). */
const RUN = Date.now().toString(36).slice(-4);
/** Each cell's result as a JSON line, as soon as it is known (--out F). */
const OUT = option('out', undefined)?.[0];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

function testbed(args) {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'testbed.mjs'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`testbed ${args.join(' ')} failed`);
  return result.stdout;
}

function line(stdout, key) {
  return stdout
    .split('\n')
    .find((l) => l.startsWith(`${key}: `))
    ?.slice(key.length + 2)
    .trim();
}

/** Runs a command without blocking the pollers; resolves with stdout or rejects. */
function run(command, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args[0]}: ${err.trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

class Bed {
  constructor(up) {
    this.kubeconfig = line(up, 'kubeconfig');
    this.control = line(up, 'control');
    this.prometheus = line(up, 'prometheus');
    this.records = [];
    this.cursor = 0;
    this.routes = [];
  }
  kubectl(args, input) {
    return run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], input);
  }
  async fleet(method, path, body) {
    const response = await fetch(`${this.control}${path}`, {
      method,
      ...(body
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }
  async apply(file, vars) {
    let text = readFileSync(join(objects, file), 'utf8');
    for (const [key, value] of Object.entries(vars)) text = text.replaceAll(`\${${key}}`, value);
    await this.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], text);
  }
  async jsonpath(kind, name, ns, path) {
    return this.kubectl(['get', kind, name, '-n', ns, '-o', `jsonpath=${path}`]).catch(() => '');
  }
  /** Pulls the ground truth (requests) and the route windows of one namespace. */
  async poll(ns) {
    for (;;) {
      const page = await this.fleet('GET', `/requests?after=${this.cursor}`);
      if (page.dropped > 0) log(`warning: ${page.dropped} records lost (poll too slow)`);
      for (const r of page.records) if (r.namespace === ns) this.records.push(r);
      this.cursor = page.next;
      if (page.records.length < 50_000) break;
    }
    const { routes } = await this.fleet('GET', '/routes');
    this.routes.push({ at: Date.now(), windows: routes.filter((w) => w.namespace === ns) });
  }
  async promQuery(query, at) {
    const url = `${this.prometheus}/api/v1/query?query=${encodeURIComponent(query)}&time=${at / 1000}`;
    const body = await (await fetch(url)).json();
    return Number(body.data?.result?.[0]?.value?.[1] ?? 0);
  }
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

async function waitAvailable(bed, ns, deployment, timeoutMs = 180_000) {
  await waitFor(
    `${ns}/${deployment} available`,
    async () => {
      const ready = await bed.jsonpath('deployment', deployment, ns, '{.status.readyReplicas}');
      const want = await bed.jsonpath('deployment', deployment, ns, '{.spec.replicas}');
      return want !== '' && Number(ready || 0) >= Number(want);
    },
    timeoutMs,
  );
}

// Each tool: set the app up, start the release of an image, and wait for its own verdict.
const DRIVERS = {
  flagger: {
    version: 'Flagger v1.44.0',
    async setup(bed, ns, row, scenario) {
      await bed.apply('flagger/reviews.yaml', { NAMESPACE: ns, IMAGE: IMAGES.v1 });
      const canary = scenario === 'header' ? 'canary-header.yaml' : `canary-${row}.yaml`;
      await bed.apply(`flagger/${canary}`, { NAMESPACE: ns });
      await waitFor(
        'Canary initialised',
        async () =>
          (await bed.jsonpath('canary', 'reviews', ns, '{.status.phase}')) === 'Initialized',
        300_000,
      );
      await waitAvailable(bed, ns, 'reviews-primary');
    },
    async start(bed, ns, image, row, scenario, releasing) {
      await releasing();
      await bed.kubectl(['set', 'image', '-n', ns, 'deployment/reviews', `reviews=${image}`]);
    },
    async verdict(bed, ns, timeoutMs) {
      let seenProgress = false;
      return waitFor(
        'Flagger verdict',
        async () => {
          const phase = await bed.jsonpath('canary', 'reviews', ns, '{.status.phase}');
          if (['Progressing', 'Promoting', 'Finalising'].includes(phase)) seenProgress = true;
          if (seenProgress && (phase === 'Succeeded' || phase === 'Failed')) {
            return { at: Date.now(), text: `Canary ${phase}` };
          }
          return undefined;
        },
        timeoutMs,
      );
    },
  },
  'argo-rollouts': {
    version: 'Argo Rollouts v1.9.1',
    async setup(bed, ns, row, scenario) {
      await bed.apply('argo-rollouts/reviews.yaml', { NAMESPACE: ns, PROMETHEUS: bed.prometheus });
      const rollout = scenario === 'header' ? 'rollout-header.yaml' : `rollout-${row}.yaml`;
      await bed.apply(`argo-rollouts/${rollout}`, { NAMESPACE: ns, IMAGE: IMAGES.v1 });
      await waitFor(
        'Rollout healthy',
        async () => (await bed.jsonpath('rollout', 'reviews', ns, '{.status.phase}')) === 'Healthy',
        300_000,
      );
    },
    async start(bed, ns, image, row, scenario, releasing) {
      await releasing();
      await bed.kubectl([
        'patch',
        'rollout',
        'reviews',
        '-n',
        ns,
        '--type=json',
        `-p=[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"${image}"}]`,
      ]);
    },
    async verdict(bed, ns, timeoutMs) {
      let seenProgress = false;
      return waitFor(
        'Argo Rollouts verdict',
        async () => {
          const status = JSON.parse(
            (await bed.kubectl(['get', 'rollout', 'reviews', '-n', ns, '-o', 'json'])) || '{}',
          ).status;
          if (!status) return undefined;
          if (status.currentPodHash !== status.stableRS) seenProgress = true;
          if (status.abort) return { at: Date.now(), text: `aborted (${status.phase})` };
          if (seenProgress && status.currentPodHash === status.stableRS) {
            return { at: Date.now(), text: `promoted (${status.phase})` };
          }
          return undefined;
        },
        timeoutMs,
      );
    },
  },
  switchyard: {
    version: 'switchyard (this tree)',
    async setup(bed, ns) {
      await bed.apply('switchyard/reviews.yaml', { NAMESPACE: ns, IMAGE: IMAGES.v1 });
      await waitAvailable(bed, ns, 'reviews-blue');
    },
    options(bed, ns, row) {
      return {
        kubeconfig: bed.kubeconfig,
        file: join(objects, 'switchyard', `release-${row}.yaml`),
        namespace: ns,
        holderIdentity: 'peers-bench',
        prometheus: { url: bed.prometheus },
      };
    },
    // switchyard's deploy and release run in this process; start returns the running
    // operation, verdict awaits it. A deploy that fails (its pre-release route not acked by
    // every proxy, say) is switchyard's last word: start returns it. Its release begins
    // after the deploy (`releasing`: when the stuck scenario's proxy gets stuck).
    async start(bed, ns, image, row, scenario, releasing) {
      const options = this.options(bed, ns, row);
      try {
        await deploy({ ...options, image });
      } catch (error) {
        return { at: Date.now(), text: `deploy: ${error.code ?? error.message}` };
      }
      if (scenario === 'header') return undefined;
      await releasing();
      this.running = release(options).then(
        () => ({ at: Date.now(), text: 'released' }),
        (error) => ({ at: Date.now(), text: `${error.code ?? error.message}` }),
      );
    },
    async verdict() {
      return this.running;
    },
  },
};

async function runOne(bed, tool, scenario, profile, row, index) {
  const ns = `pb-${RUN}-${index}-${tool.slice(0, 4)}`;
  const driver = DRIVERS[tool];
  log(`${tool} ${scenario} ${profile} ${row}: setting up ${ns}`);
  await bed.fleet('PUT', '/istio/propagation', { profile: 'normal' });
  await bed.apply('app.yaml', { NAMESPACE: ns });
  await driver.setup(bed, ns, row, scenario);
  await waitAvailable(bed, ns, USERS);
  await waitAvailable(bed, ns, TESTERS);
  await bed.fleet('PUT', '/clients', {
    clients: [
      { name: USERS, namespace: ns, rps: 40, target: { host: 'reviews', port: 9080, path: '/' } },
      {
        name: TESTERS,
        namespace: ns,
        rps: 5,
        target: { host: 'reviews', port: 9080, path: '/' },
        headers: { 'x-release': 'candidate' },
      },
    ],
  });
  await bed.fleet('PUT', '/istio/propagation', {
    profile,
    stragglerFrom: { namespace: ns, workload: USERS },
  });
  await sleep(5000); // warm-up: requests flow on v1
  bed.records = [];
  bed.routes = [];
  await bed.poll(ns);
  bed.records = [];
  const pollers = setInterval(() => bed.poll(ns).catch((e) => log(`poll: ${e.message}`)), 500);
  const image = scenario.startsWith('bad') ? IMAGES[scenario] : IMAGES.v2;
  let stuckPod;
  const t0 = Date.now();
  let verdict;
  try {
    // When the release itself begins (after switchyard's deploy; at once for the others,
    // whose release is the image change), the stuck scenario's proxy stops applying.
    const releasing = async () => {
      if (scenario !== 'stuck') return;
      const state = await bed.fleet('GET', '/state');
      stuckPod = state.proxies.items
        .filter((p) => p.namespace === ns && p.workload === USERS)
        .map((p) => p.pod)
        .sort()[0];
      await bed.fleet('PUT', '/proxies/overrides', {
        overrides: [{ match: { namespace: ns, pod: stuckPod }, stuck: true }],
      });
    };
    // A tool's last word may come at the start (switchyard refusing to deploy).
    const early = await driver.start(bed, ns, image, row, scenario, releasing);
    if (early) {
      verdict = { ...early, window: [t0, early.at] };
      await sleep(SETTLE_MS[profile]);
    } else if (scenario === 'header') {
      const active = await waitFor(
        'the header route on every tester proxy',
        async () => {
          await sleep(0);
          return allRoutedAt(bed.routes, TESTERS, image, t0);
        },
        600_000,
      );
      await sleep(HEADER_WINDOW_MS);
      verdict = { at: active, text: 'header route watched' };
      verdict.window = [active, Date.now()];
    } else {
      verdict = await driver.verdict(bed, ns, row === 'defaults' ? 3 * 3600_000 : 1800_000);
      await sleep(SETTLE_MS[profile]);
    }
    await bed.poll(ns);
  } finally {
    clearInterval(pollers);
  }
  const end = Date.now();
  await sleep(3000); // one more scrape for Prometheus
  // The same count from the real Prometheus: the counter at the end less at the start.
  const failedSeries = `sum(fleet_client_requests_total{namespace="${ns}",client="${USERS}",response_code=~"0|5.."})`;
  const promFailed =
    (await bed.promQuery(failedSeries, end)) - (await bed.promQuery(failedSeries, t0));
  const result = summarise({
    tool,
    scenario,
    profile,
    row,
    records: bed.records,
    routes: bed.routes,
    t0,
    end,
    verdict,
    image,
    users: USERS,
    testers: TESTERS,
    stuckPod,
    promFailed,
  });
  Object.assign(result, { namespace: ns, t0, end });
  await bed.fleet('PUT', '/proxies/overrides', { overrides: [] });
  await bed.fleet('PUT', '/clients', { clients: [] });
  if (!process.argv.includes('--keep'))
    await bed.kubectl(['delete', 'namespace', ns, '--wait=false']);
  log(`${tool} ${scenario} ${profile} ${row}: ${JSON.stringify(result)}`);
  return result;
}

const tableOf = option('table', undefined);
if (tableOf) {
  // Only the table of results already written by --out (one run or several): a cell
  // measured again in a later file replaces the earlier one; rows in the matrix's order.
  const cells = new Map();
  for (const f of tableOf)
    for (const l of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(l);
      cells.set(`${r.profile} ${r.row} ${r.scenario} ${r.tool}`, r);
    }
  const order = (r) => [
    ['normal', 'slow'].indexOf(r.profile),
    ['shortest', 'defaults'].indexOf(r.row),
    ['healthy', 'bad-5', 'bad-50', 'stuck', 'header'].indexOf(r.scenario),
    ['switchyard', 'flagger', 'argo-rollouts'].indexOf(r.tool),
  ];
  const rows = [...cells.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    const i = x.findIndex((v, k) => v !== y[k]);
    return i < 0 ? 0 : x[i] - y[i];
  });
  process.stdout.write(`${table(rows)}\n`);
  process.exit(0);
}
const started = Date.now();
const loadAtStart = loadavg()[0];
if (!process.argv.includes('--dir')) {
  log('building the test bed and the peers (cached; the first peer build takes minutes)');
  testbed(['build', '--peers']);
}
const reuse = option('dir', undefined)?.[0];
const dir = reuse ?? mkdtempSync(join(tmpdir(), 'switchyard-bench-peers-'));
let bed;
if (reuse) {
  // A test bed already up with --peers (npm run testbed -- up --dir D --peers): used as is.
  const state = JSON.parse(testbed(['status', `--dir=${reuse}`]));
  bed = new Bed(
    `kubeconfig: ${state.kubeconfig}\ncontrol: ${state.control}\nprometheus: ${state.prometheus}\n`,
  );
} else {
  log(`starting the test bed with the peers in ${dir}`);
  bed = new Bed(testbed(['up', `--dir=${dir}`, '--peers', '--manifests=/dev/null']));
}
const results = [];
try {
  for (const [image, behaviour] of Object.entries(BEHAVIOURS)) {
    await bed.fleet('PUT', `/images/${encodeURIComponent(image)}`, behaviour);
  }
  let index = 0;
  for (const profile of PROFILES) {
    for (const row of ROWS) {
      for (const scenario of SCENARIOS) {
        for (const tool of TOOLS) {
          index++;
          try {
            results.push(await runOne(bed, tool, scenario, profile, row, index));
          } catch (error) {
            log(`${tool} ${scenario} ${profile} ${row} failed: ${error.message}`);
            results.push({
              tool,
              scenario,
              profile,
              row,
              failed: '-',
              users: '-',
              gone: '-',
              promFailed: '-',
              verdict: `bench error: ${error.message}`,
            });
          }
          if (OUT) appendFileSync(OUT, `${JSON.stringify(results.at(-1))}\n`);
        }
      }
    }
  }
} finally {
  if (!process.argv.includes('--keep') && !reuse) testbed(['down', `--dir=${dir}`]);
}
const out = [
  `Side by side on the real test bed, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${Math.round(totalmem() / 2 ** 30)} GiB; ${TOOLS.map((t) => DRIVERS[t].version).join(', ')}; matrix ${((Date.now() - started) / 60000).toFixed(0)} min, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end`,
  '',
  table(results),
  '',
].join('\n');
process.stdout.write(out);
writeFileSync(join(tmpdir(), 'switchyard-bench-peers.md'), out);
