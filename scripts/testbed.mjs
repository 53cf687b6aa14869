#!/usr/bin/env node
// The real control plane test bed (testbed/, Go): build its components at the versions
// pinned in testbed/go.mod, cached outside the work tree, then start or stop it.
//
//   npm run testbed -- build [--peers]  build (or reuse) every component, print the bin dir
//                                       (--peers: also Flagger and Argo Rollouts, second line)
//   npm run testbed -- up [flags]       build, start, print kubeconfig/control/prometheus
//                                       (--gateway-api=standard|experimental|none: the
//                                       Gateway API CRD channel, standard by default;
//                                       --peers[=flagger,argo-rollouts]: also run the peer
//                                       controllers, built from testbed/peers/<peer>)
//   npm run testbed -- down [--dir D]   stop every process it started and remove its files
//   npm run testbed -- status           print the state file
//   npm run testbed -- generate         copy the Gateway API CRDs from the gateway-api module
//                                       go.mod selects into testbed/internal/gatewayapi/crds
//
// The cache is $SWITCHYARD_TESTBED_CACHE or ~/.cache/switchyard-testbed: one binary per
// component and key (the pins, the Go version and, for our own components, their source),
// so a second build of unchanged sources only assembles links. SWITCHYARD_TESTBED_BIN
// names a folder of prebuilt binaries to use instead.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  symlinkSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testbed = join(root, 'testbed');

/** Components built from upstream modules: their binary depends only on the pins. */
const UPSTREAM = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'pilot-discovery',
  // Not started by the test bed: the conformance tier runs `istioctl analyze` offline to
  // compare its findings with doctor's (test/conformance/doctor.test.ts).
  'istioctl',
];
/** Our own components: their binary also depends on testbed/internal. */
const OWN = ['testbed', 'proxy-fleet'];

/**
 * The peer controllers (side by side with switchyard: test/bench/peers.mjs), each built
 * from its own wrapper module under testbed/peers/<name> (its own Kubernetes libraries, and
 * for Argo Rollouts its replace lines), as that module's `tool`.
 */
export const PEERS = {
  flagger: { pkg: 'github.com/fluxcd/flagger/cmd/flagger', binary: 'flagger' },
  'argo-rollouts': {
    pkg: 'github.com/argoproj/argo-rollouts/cmd/rollouts-controller',
    binary: 'rollouts-controller',
  },
};

function fail(message) {
  process.stderr.write(`testbed: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stderr.write(`testbed: ${message}\n`);
}

function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    fail(
      'the Go toolchain (go) was not found on PATH; the test bed builds its components ' +
        'from Go modules: install Go 1.26 (https://go.dev/dl/) and retry',
    );
  }
  const version = result.stdout.trim();
  const match = /^go(\d+)\.(\d+)/.exec(version);
  if (!match || Number(match[1]) < 1 || (Number(match[1]) === 1 && Number(match[2]) < 26)) {
    fail(`${version} is too old: testbed/go.mod needs Go 1.26 or later`);
  }
  return version;
}

/** Module versions pinned in go.mod, for version stamps. */
function pinnedVersion(module) {
  const gomod = readFileSync(join(testbed, 'go.mod'), 'utf8');
  const match = new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(gomod);
  return match?.[1];
}

function ldflags(component) {
  if (!['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].includes(component)) {
    return '-s -w';
  }
  // What Kubernetes' own build stamps (hack/lib/version.sh), so `kubectl version` shows the
  // real release instead of v0.0.0-master.
  const version = pinnedVersion('k8s.io/kubernetes');
  const [major, minor] = version.slice(1).split('.');
  const stamp = {
    gitVersion: version,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: 'clean',
    buildDate: '1970-01-01T00:00:00Z',
  };
  const flags = ['-s', '-w'];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    for (const [key, value] of Object.entries(stamp)) flags.push(`-X ${pkg}.${key}=${value}`);
  }
  return flags.join(' ');
}

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (/\.(go|ya?ml|json)$/.test(entry.name) && !entry.name.endsWith('_test.go')) {
      out.push(path);
    }
  }
  return out.sort();
}

/**
 * The modules each component links, with their versions (`go list -deps`): what an
 * upstream binary is made of. A go.mod change that moves none of them (a new requirement
 * of our own fleet, say) keeps the component's key, so nothing is rebuilt. Listed once per
 * go.mod/go.sum and component and remembered in the cache (written whole, then renamed: other
 * checkouts share it).
 */
function linkedModules(cache, version) {
  const hash = createHash('sha256').update(version);
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(testbed, file)));
  const file = join(cache, `modules-${hash.digest('hex').slice(0, 16)}.json`);
  const modules = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const missing = [...UPSTREAM, ...OWN].filter((component) => !(component in modules));
  if (missing.length === 0) return modules;
  for (const component of missing) {
    const result = spawnSync(
      'go',
      [
        'list',
        '-deps',
        '-f',
        '{{with .Module}}{{.Path}} {{.Version}}{{end}}',
        `./cmd/${component}`,
      ],
      { cwd: testbed, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (result.error || result.status !== 0) {
      fail(`${component}: go list failed (are its modules downloadable?):\n${result.stderr}`);
    }
    modules[component] = [...new Set(result.stdout.split('\n').filter(Boolean))].sort().join('\n');
  }
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(modules));
  renameSync(`${file}.${process.pid}`, file);
  return modules;
}

function keyOf(component, version, modules) {
  const hash = createHash('sha256');
  hash.update(version);
  hash.update(modules[component]);
  hash.update(ldflags(component));
  const sources = OWN.includes(component)
    ? [...filesUnder(join(testbed, 'internal')), ...filesUnder(join(testbed, 'cmd', component))]
    : filesUnder(join(testbed, 'cmd', component));
  for (const file of sources) {
    hash.update(relative(testbed, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function cacheDir() {
  return process.env.SWITCHYARD_TESTBED_CACHE ?? join(homedir(), '.cache', 'switchyard-testbed');
}

/** The cache key of every component. */
export function componentKeys(cache = cacheDir(), version = goVersion()) {
  for (const component of [...UPSTREAM, ...OWN]) {
    if (!existsSync(join(testbed, 'cmd', component, 'main.go'))) {
      fail(`${component}: testbed/cmd/${component}/main.go is missing`);
    }
  }
  const modules = linkedModules(cache, version);
  return Object.fromEntries(
    [...UPSTREAM, ...OWN].map((component) => [component, keyOf(component, version, modules)]),
  );
}

/** Builds what is missing; returns the directory holding every component by its name. */
export function build({ quiet = false } = {}) {
  // Binaries built some other way (a debugger build, say): used as they are.
  if (process.env.SWITCHYARD_TESTBED_BIN) return process.env.SWITCHYARD_TESTBED_BIN;
  const version = goVersion();
  const cache = cacheDir();
  const binaries = join(cache, 'bin');
  mkdirSync(binaries, { recursive: true });
  const keys = componentKeys(cache, version);
  for (const [component, key] of Object.entries(keys)) {
    const target = join(binaries, `${component}-${key}`);
    if (existsSync(target)) continue;
    if (!quiet) log(`building ${component} (${version})`);
    const started = Date.now();
    const partial = `${target}.partial`;
    const result = spawnSync(
      'go',
      [
        'build',
        '-buildvcs=false',
        '-trimpath',
        `-ldflags=${ldflags(component)}`,
        '-o',
        partial,
        `./cmd/${component}`,
      ],
      { cwd: testbed, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (result.error || result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25);
      fail(`building ${component} failed:\n${output.join('\n')}`);
    }
    renameSync(partial, target);
    if (!quiet) log(`built ${component} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }
  const set = createHash('sha256').update(JSON.stringify(keys)).digest('hex').slice(0, 16);
  const dir = join(cache, 'sets', set);
  if (!existsSync(join(dir, 'testbed'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [component, key] of Object.entries(keys)) {
      symlinkSync(join(binaries, `${component}-${key}`), join(dir, component));
    }
  }
  return dir;
}

/**
 * Builds the peers that are missing; returns the directory holding each binary by its
 * name. A peer's key is its wrapper module's go.mod and go.sum, the Go version and the
 * flags: nothing of ours goes into it.
 */
export function buildPeers({ quiet = false } = {}) {
  if (process.env.SWITCHYARD_TESTBED_PEERS_BIN) return process.env.SWITCHYARD_TESTBED_PEERS_BIN;
  const version = goVersion();
  const binaries = join(cacheDir(), 'bin');
  mkdirSync(binaries, { recursive: true });
  const keys = {};
  for (const [name, peer] of Object.entries(PEERS)) {
    const moduleDir = join(testbed, 'peers', name);
    const hash = createHash('sha256').update(version).update(peer.pkg).update('-s -w');
    for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(moduleDir, file)));
    const key = hash.digest('hex').slice(0, 16);
    keys[peer.binary] = key;
    const target = join(binaries, `${peer.binary}-${key}`);
    if (existsSync(target)) continue;
    if (!quiet)
      log(`building ${name} (${peer.pkg}, ${version}; several minutes on a busy machine)`);
    const started = Date.now();
    const partial = `${target}.partial`;
    const result = spawnSync(
      'go',
      ['build', '-buildvcs=false', '-trimpath', '-ldflags=-s -w', '-o', partial, peer.pkg],
      { cwd: moduleDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (result.error || result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-25);
      fail(`building ${name} failed:\n${output.join('\n')}`);
    }
    renameSync(partial, target);
    if (!quiet) log(`built ${name} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }
  const set = createHash('sha256').update(JSON.stringify(keys)).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'peer-sets', set);
  if (!existsSync(join(dir, PEERS.flagger.binary))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [binary, key] of Object.entries(keys)) {
      symlinkSync(join(binaries, `${binary}-${key}`), join(dir, binary));
    }
  }
  return dir;
}

/** Regenerates the committed sources copied from Go modules (`go generate`). */
function generate() {
  goVersion();
  for (const pkg of ['./internal/gatewayapi', './internal/peers']) {
    const result = spawnSync('go', ['generate', pkg], { cwd: testbed, stdio: 'inherit' });
    if (result.status !== 0) return result.status ?? 1;
  }
  return 0;
}

/** The peers a `--peers[=list]` flag asks for; undefined when absent. */
function peersFlag(args) {
  const flag = args.find((a) => a === '--peers' || a.startsWith('--peers='));
  if (flag === undefined) return undefined;
  return flag === '--peers' ? 'all' : flag.slice('--peers='.length);
}

function main(argv) {
  const [command = 'up', ...rest] = argv;
  if (!['build', 'up', 'down', 'status', 'generate'].includes(command)) {
    fail(`unknown command ${command} (build, up, down, status, generate)`);
  }
  if (command === 'generate') return generate();
  const peers = peersFlag(rest);
  const bin = build({ quiet: command !== 'build' && command !== 'up' });
  const peersBin = peers !== undefined ? buildPeers({ quiet: false }) : undefined;
  if (command === 'build') {
    process.stdout.write(`${bin}\n`);
    if (peersBin) process.stdout.write(`${peersBin}\n`);
    return 0;
  }
  const args = [command, ...rest.filter((a) => a !== '--peers' && !a.startsWith('--peers='))];
  if (peersBin && command === 'up') args.push(`--peers=${peers}`, `--peers-bin=${peersBin}`);
  if (command === 'up') {
    const hasFlag = (name) => rest.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    args.push(`--bin=${bin}`);
    if (!hasFlag('manifests')) {
      args.push(`--manifests=${join(root, 'examples', 'bookinfo')}`);
      args.push(`--manifests=${join(testbed, 'scenarios', 'release-tester.yaml')}`);
    }
    if (!hasFlag('fleet-scenario') && existsSync(join(testbed, 'scenarios', 'bookinfo.yaml'))) {
      args.push(`--fleet-scenario=${join(testbed, 'scenarios', 'bookinfo.yaml')}`);
    }
  }
  const result = spawnSync(join(bin, 'testbed'), args, { stdio: 'inherit' });
  if (result.error) fail(`run ${join(bin, 'testbed')}: ${result.error.message}`);
  return result.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(main(process.argv.slice(2)));
}
