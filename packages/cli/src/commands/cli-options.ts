/**
 * The yargs option definitions, grouped as in `--help`. Their value types must fit
 * `GlobalFlags` and `SpecFlags` (checked where the handlers receive them), and the choices
 * come from the spec's unions, so the flags follow the library.
 */
import type { Options } from 'yargs';
import { RESUME_CHOICES, STRATEGY_CHOICES } from '../flags/spec-choices.js';

const CLUSTER = 'Cluster and spec:';
const OUTPUT = 'Output:';
const DEPLOY = 'Deploy:';
const STRATEGY = 'Release strategy:';
const CHECKS = 'Checks (Prometheus):';
const SYNC = 'Proxy sync:';
const PREFLIGHT = 'Preflight:';
const NOTIFY = 'Notifications:';

/** Flags every command takes. */
export const GLOBAL_OPTIONS = {
  kubeconfig: {
    type: 'string',
    group: CLUSTER,
    describe: 'kubeconfig file [default: $KUBECONFIG, ~/.kube/config, or in-cluster]',
  },
  context: { type: 'string', group: CLUSTER, describe: 'kubeconfig context [default: current]' },
  namespace: {
    alias: 'n',
    type: 'string',
    group: CLUSTER,
    describe: "namespace of the service [default: the spec's, else the context's]",
  },
  file: {
    alias: 'f',
    type: 'string',
    group: CLUSTER,
    describe: 'release spec file (YAML); flags override its fields',
  },
  holder: {
    type: 'string',
    group: CLUSTER,
    describe: 'lock holder identity [default: the CI run id, else host and pid]',
  },
  output: {
    alias: 'o',
    choices: ['text', 'json'] as const,
    group: OUTPUT,
    describe: 'text, or json: JSON Lines (one event per line, then the summary)',
  },
  color: {
    type: 'boolean',
    group: OUTPUT,
    describe: 'colours on a terminal (--no-color or NO_COLOR turns them off)',
  },
  quiet: {
    alias: 'q',
    type: 'boolean',
    group: OUTPUT,
    describe: 'no progress, only the result',
  },
} as const satisfies Record<string, Options>;

/** Flags of `deploy` (and `plan deploy`). */
export const DEPLOY_OPTIONS = {
  image: { type: 'string', group: DEPLOY, describe: 'image for the idle slot' },
  container: {
    type: 'string',
    group: DEPLOY,
    describe: "container whose image is set [default: the Deployment's only container]",
  },
  header: {
    type: 'string',
    array: true,
    group: DEPLOY,
    describe:
      'pre-release route: requests with header NAME equal to VALUE reach the candidate (NAME=VALUE, repeatable)',
  },
  'header-prefix': {
    type: 'string',
    array: true,
    group: DEPLOY,
    describe: 'pre-release route: header NAME starts with VALUE (NAME=VALUE)',
  },
  'header-regex': {
    type: 'string',
    array: true,
    group: DEPLOY,
    describe: 'pre-release route: header NAME matches the RE2 expression (NAME=RE)',
  },
  'rollout-timeout': {
    type: 'string',
    group: DEPLOY,
    describe: 'how long the candidate may take to become ready [default: 5m]',
  },
} as const satisfies Record<string, Options>;

/** Flags of the release strategy (`release`, `plan release`). */
export const STRATEGY_OPTIONS = {
  strategy: {
    choices: STRATEGY_CHOICES,
    group: STRATEGY,
    describe:
      'preset: canary (10,25,50,100 with bakes) or bluegreen (100 at once) [default: canary]',
  },
  steps: {
    type: 'string',
    group: STRATEGY,
    describe:
      'explicit candidate weights, e.g. 10,50,100 (and "pause" entries); with --bake each weight is followed by a bake',
  },
  bake: {
    type: 'string',
    group: STRATEGY,
    describe: 'bake after each weight step while checks run, e.g. 1m [default: 1m for presets]',
  },
  mirror: {
    type: 'string',
    group: STRATEGY,
    describe: 'bluegreen: percent of traffic mirrored to the candidate before the switch',
  },
  'scale-down-old': {
    type: 'boolean',
    group: STRATEGY,
    describe: 'scale the old slot to zero after the release [default: kept warm]',
  },
  'on-resume': {
    choices: RESUME_CHOICES,
    group: STRATEGY,
    describe: 'what a re-run does with an interrupted release [default: continue]',
  },
} as const satisfies Record<string, Options>;

/** Flags of the metric checks (`release`, `promote`). */
export const CHECK_OPTIONS = {
  check: {
    type: 'string',
    array: true,
    group: CHECKS,
    describe:
      'a check, repeatable, replacing the defaults: success-rate>=99, latency-p99<=500, success-rate-vs-stable<=1',
  },
  'check-interval': {
    type: 'string',
    group: CHECKS,
    describe: 'time between evaluations [default: 10s]',
  },
  window: { type: 'string', group: CHECKS, describe: 'range each query covers [default: 1m]' },
  'scrape-interval': {
    type: 'string',
    group: CHECKS,
    describe: "Prometheus' scrape interval; the window must cover two [default: 15s]",
  },
  'failure-limit': {
    type: 'string',
    group: CHECKS,
    describe: 'consecutive failed evaluations that roll back [default: 2]',
  },
  'inconclusive-limit': {
    type: 'string',
    group: CHECKS,
    describe: 'consecutive evaluations without enough data that roll back [default: 3]',
  },
  'min-requests': {
    type: 'string',
    group: CHECKS,
    describe: 'fewer candidate requests in the window are inconclusive [default: 20]',
  },
  'prometheus-url': { type: 'string', group: CHECKS, describe: 'Prometheus base URL' },
  'prometheus-service': {
    type: 'string',
    group: CHECKS,
    describe:
      'in-cluster Prometheus reached by port-forward, ns/name:port [default: istio-system/prometheus:9090]',
  },
} as const satisfies Record<string, Options>;

/** Flags of the proxy sync gate (every operation that changes routes). */
export const SYNC_OPTIONS = {
  'sync-timeout': {
    type: 'string',
    group: SYNC,
    describe: 'how long proxies may take to ack a route change [default: 2m]',
  },
  'verify-dataplane': {
    type: 'string',
    group: SYNC,
    describe: "also prove the routes from N proxies' Envoy config_dump [default: 0]",
  },
  'sync-namespace': {
    type: 'string',
    array: true,
    group: SYNC,
    describe: 'only wait for proxies in this namespace (repeatable) [default: all]',
  },
  'sync-selector': {
    type: 'string',
    group: SYNC,
    describe: 'only wait for proxies of pods matching this label selector',
  },
} as const satisfies Record<string, Options>;

/** Flags of the preflight checks (`doctor`, and `deploy` and `release`, which run them first). */
export const PREFLIGHT_OPTIONS = {
  'skip-check': {
    type: 'string',
    array: true,
    group: PREFLIGHT,
    describe:
      'leave out a preflight check on purpose, by id (repeatable; also preflight.skip in the spec); the skip is printed',
  },
} as const satisfies Record<string, Options>;

/** Flags of lifecycle notifications (`deploy`, `release`, `promote`, `rollback`). */
export const NOTIFY_OPTIONS = {
  notify: {
    type: 'string',
    array: true,
    group: NOTIFY,
    describe:
      "post each lifecycle event (started, step, paused, promoted, rolled back, finished) as JSON to this webhook URL (repeatable; adds to the spec's notify; hooks.slack.com gets Slack's form). A URL here shows in ps and CI logs: pass a secret one in SWITCHYARD_NOTIFY or the spec's urlEnv/urlFile",
  },
} as const satisfies Record<string, Options>;
