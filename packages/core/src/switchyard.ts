/**
 * The library API: one function per operation. Each loads the kubeconfig, resolves the
 * release spec (file, then options on top), builds the Kubernetes client and the gates,
 * runs the operation (`release/<operation>.ts`; deploy and release run the preflight checks
 * first) and closes every port-forward it opened. `doctor` runs the preflight checks alone.
 * Operations that change something also post their lifecycle to the spec's webhooks
 * (`notify/`), subscribed to the operation's events here, and flush them (bounded) before
 * returning.
 *
 * ```ts
 * import { deploy, release } from '@switchyard/core';
 * await deploy({ service: 'reviews', image: 'reviews:v2', deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } } });
 * await release({ service: 'reviews', strategy: { type: 'canary' }, onEvent: console.log });
 * ```
 */
import { readFile } from 'node:fs/promises';
import { SpecError } from './errors.js';
import { createGates } from './gates/create-gates.js';
import { KubeClient } from './kube/kube-client.js';
import { loadKubeconfig } from './kube/kubeconfig.js';
import { KubePortForwarder } from './kube/port-forward.js';
import { Notifier } from './notify/notifier.js';
import type { PreflightReport } from './preflight/finding.js';
import { checkBeforeChange, diagnose } from './preflight/preflight.js';
import type { ClusterFactSources } from './preflight/read-cluster-facts.js';
import { systemClock, type Clock } from './release/clock.js';
import { defaultHolderIdentity } from './release/holder-identity.js';
import { deployCandidate } from './release/deploy.js';
import type { OperationDependencies } from './release/operation-dependencies.js';
import { planOperation, type PlanReport } from './release/plan.js';
import { promoteRelease } from './release/promote.js';
import { releaseCandidate } from './release/release.js';
import { rollbackRelease } from './release/rollback.js';
import { releaseStatus, type StatusReport } from './release/status.js';
import { decideRouteBackendKind } from './routing/route-backends.js';
import type { OperationSummary, ReleaseEvent } from './release/release-events.js';
import type { ReleaseSpecOverrides } from './spec/release-spec.js';
import { resolveReleaseSpec, resolveReleaseSpecYaml } from './spec/resolve-release-spec.js';
import type { ResolvedReleaseSpec } from './spec/resolved-release-spec.js';

/** How to reach the cluster. */
export interface ConnectionOptions {
  /** kubeconfig file (`--kubeconfig`); default `KUBECONFIG`, `~/.kube/config`, or in-cluster. */
  kubeconfig?: string | undefined;
  /** kubeconfig context (`--context`); default the current context. */
  context?: string | undefined;
}

/**
 * Options every operation takes that are not part of the release spec: the cluster, the
 * spec file, run-time hooks. Everything else an operation is given is the spec.
 */
export interface RuntimeOptions extends ConnectionOptions {
  /** Release spec file (`-f`); fields given with the options override it. */
  file?: string | undefined;
  /**
   * Receives every event as it happens, beginning with `operation-started` (deploy's and
   * release's preflight warnings come right after it, though the checks ran before); for
   * deploy, release, promote and rollback also `warning` events about notifications
   * (`notify`) that could not be delivered, the last of them after `operation-finished`.
   * An operation refused before it started sends no `operation-started`.
   */
  onEvent?: ((event: ReleaseEvent) => void) | undefined;
  /** Aborts the operation: the lock is released and the release stays resumable. */
  signal?: AbortSignal | undefined;
  /** Identity for the lock; default from the CI environment or host and pid. */
  holderIdentity?: string | undefined;
  /** Clock; default the system clock. */
  clock?: Clock | undefined;
  /**
   * Preflight check ids to leave out on purpose (`--skip-check`), besides the spec's
   * `preflight.skip`; deploy, release and doctor honour it.
   */
  skipChecks?: readonly string[] | undefined;
}

/**
 * Every key of `RuntimeOptions`: what is taken out of an operation's input before the rest
 * is read as the spec. The compiler holds the list to the interface both ways.
 */
export const RUNTIME_OPTION_KEYS = [
  'kubeconfig',
  'context',
  'file',
  'onEvent',
  'signal',
  'holderIdentity',
  'clock',
  'skipChecks',
] as const satisfies readonly (keyof RuntimeOptions)[];

type Unlisted = Exclude<keyof RuntimeOptions, (typeof RUNTIME_OPTION_KEYS)[number]>;
type SharedWithSpec = Extract<keyof RuntimeOptions, keyof ReleaseSpecOverrides>;
const everyRuntimeKeyListed: [Unlisted] extends [never] ? true : false = true;
const runtimeKeysApartFromSpec: [SharedWithSpec] extends [never] ? true : false = true;
void everyRuntimeKeyListed;
void runtimeKeysApartFromSpec;

/** What every operation takes: the spec (file and/or fields) and the runtime options. */
export type OperationInput = ReleaseSpecOverrides & RuntimeOptions;

/**
 * The spec fields of `input`: everything but the runtime options. Options an operation
 * takes for itself (`image`, `full`, ...) are taken out by the operation before; anything
 * else that is not the spec's fails the spec validation, named.
 */
function specOverrides(input: OperationInput): ReleaseSpecOverrides {
  const overrides: Record<string, unknown> = { ...input };
  for (const key of RUNTIME_OPTION_KEYS) delete overrides[key];
  return overrides;
}

/** Resolves the spec an operation would use (file + overrides + kube context namespace). */
export async function resolveOperationSpec(
  input: OperationInput,
  defaultNamespace: string,
): Promise<ResolvedReleaseSpec> {
  const overrides = specOverrides(input);
  if (!input.file) return resolveReleaseSpec(undefined, overrides, { defaultNamespace });
  let text: string;
  try {
    text = await readFile(input.file, 'utf8');
  } catch (error) {
    throw new SpecError(
      [{ path: '', message: `cannot read the spec file: ${(error as Error).message}` }],
      {
        file: input.file,
        cause: error,
      },
    );
  }
  return resolveReleaseSpecYaml(text, overrides, { defaultNamespace, file: input.file });
}

/** What every operation works with: the spec, the Kubernetes client and the gates. */
interface Connection {
  spec: ResolvedReleaseSpec;
  client: KubeClient;
  gates: ReturnType<typeof createGates>;
  portForwarder: KubePortForwarder;
  clock: Clock;
  holderIdentity: string;
}

async function connect(input: OperationInput): Promise<Connection> {
  const kube = loadKubeconfig({ path: input.kubeconfig, context: input.context });
  const resolved = await resolveOperationSpec(input, kube.namespace);
  const holderIdentity =
    resolved.lock.holderIdentity ?? defaultHolderIdentity(process.env, input.holderIdentity);
  const clock = input.clock ?? systemClock;
  const client = new KubeClient({ kubeConfig: kube.kubeConfig, eventInstance: holderIdentity });
  // VirtualService or HTTPRoute: what the spec says, else what routes the service.
  const spec = await decideRouteBackendKind(resolved, client, input.signal);
  const portForwarder = new KubePortForwarder(kube.kubeConfig);
  const gates = createGates({
    spec,
    pods: client.pods,
    services: client.services,
    portForwarder,
    clock,
  });
  return { spec, client, gates, portForwarder, clock, holderIdentity };
}

/** Where preflight reads the cluster: the same client, syncz source and Prometheus as the gates. */
function factSources(connection: Connection): ClusterFactSources {
  const { client, gates, portForwarder, clock } = connection;
  return { kube: client, syncz: gates.syncz, prometheus: gates.prometheus, portForwarder, clock };
}

/** An operation's event stream, put in the order its consumers key on (`startedFirst`). */
interface OrderedEvents {
  /** The listener to give the operation. */
  onEvent: (event: ReleaseEvent) => void;
  /** Delivers what is still held: the operation ended without starting. */
  end(): void;
}

/**
 * The events of an operation begin with `operation-started`: a consumer (JSON Lines reader,
 * renderer, notifier) keys on it. The preflight checks run before the operation takes its
 * lock, so their warnings (`held`) are delivered right after `operation-started`, stamped
 * then, like every event of the operation. An operation that ends without starting
 * (refused by the preflight itself or its preconditions, the lock held) gets them at its
 * end, before its error: nothing is lost.
 */
function startedFirst(
  listener: ((event: ReleaseEvent) => void) | undefined,
  held: ReleaseEvent[],
  clock: Clock,
): OrderedEvents {
  const deliverHeld = (): void => {
    for (const event of held.splice(0)) {
      try {
        listener?.({ ...event, at: clock.now() });
      } catch {
        // As in the operation's own log: a failing listener must not change the outcome.
      }
    }
  };
  return {
    onEvent: (event) => {
      try {
        listener?.(event);
      } finally {
        if (event.type === 'operation-started') deliverHeld();
      }
    },
    end: deliverHeld,
  };
}

/**
 * Runs `operation` with the spec and dependencies `input` describes, then closes the gates.
 * `preflight` names the operation whose preflight checks run first.
 */
async function withDependencies<T>(
  input: OperationInput,
  operation: (spec: ResolvedReleaseSpec, deps: OperationDependencies) => Promise<T>,
  preflight?: 'deploy' | 'release',
): Promise<T> {
  const connection = await connect(input);
  const { spec, client, gates, clock, holderIdentity } = connection;
  const held: ReleaseEvent[] = [];
  const events = startedFirst(input.onEvent, held, clock);
  try {
    // Preflight (issue 9): the checks `switchyard doctor` makes, before the operation takes
    // the lock or writes anything. Errors throw PreflightFailedError; warnings become events
    // of the operation.
    if (preflight) {
      await checkBeforeChange(factSources(connection), {
        operation: preflight,
        spec,
        skipChecks: input.skipChecks,
        onEvent: (event) => held.push(event),
        signal: input.signal,
      });
    }
    return await operation(spec, {
      kube: client,
      clock,
      syncGate: gates.syncGate,
      dataplane: gates.dataplane,
      metrics: gates.metrics,
      holderIdentity,
      onEvent: events.onEvent,
    });
  } finally {
    events.end();
    await gates.close();
  }
}

/**
 * Runs a changing operation with lifecycle notifications: the notifier sees every event
 * after the caller's listener, then how the operation ended, and gets a bounded time to
 * deliver before the result (or the error) is passed on unchanged.
 */
function withNotifications(
  input: OperationInput,
  operation: (spec: ResolvedReleaseSpec, deps: OperationDependencies) => Promise<OperationSummary>,
  preflight?: 'deploy' | 'release',
): Promise<OperationSummary> {
  return withDependencies(
    input,
    async (spec, deps) => {
      const notifier = new Notifier({
        targets: spec.notify,
        clock: deps.clock,
        onWarning: (message) => deps.onEvent?.({ type: 'warning', at: deps.clock.now(), message }),
      });
      const onEvent = (event: ReleaseEvent): void => {
        try {
          deps.onEvent?.(event);
        } finally {
          notifier.onEvent(event);
        }
      };
      try {
        const summary = await operation(spec, { ...deps, onEvent });
        notifier.end({ summary });
        return summary;
      } catch (error) {
        notifier.end({ error });
        throw error;
      } finally {
        await notifier.flush();
      }
    },
    preflight,
  );
}

/** Puts `image` on the idle slot with zero user traffic (reachable by the pre-release header). */
export function deploy({
  image,
  ...input
}: OperationInput & { image: string }): Promise<OperationSummary> {
  return withNotifications(
    input,
    (spec, deps) => deployCandidate(spec, deps, { image, signal: input.signal }),
    'deploy',
  );
}

/** Shifts traffic to the deployed candidate step by step, gated, with automatic rollback; resumes an interrupted release. */
export function release(input: OperationInput): Promise<OperationSummary> {
  return withNotifications(
    input,
    (spec, deps) => releaseCandidate(spec, deps, { signal: input.signal }),
    'release',
  );
}

/** Continues a paused release; `full` goes straight to 100% (still gated and baked). */
export function promote({
  full,
  ...input
}: OperationInput & { full?: boolean | undefined }): Promise<OperationSummary> {
  return withNotifications(input, (spec, deps) =>
    promoteRelease(spec, deps, { full, signal: input.signal }),
  );
}

/** Returns all traffic to the stable slot (or, after a release, to the previous slot), verified. */
export function rollback(input: OperationInput): Promise<OperationSummary> {
  return withNotifications(input, (spec, deps) =>
    rollbackRelease(spec, deps, { signal: input.signal }),
  );
}

/** Options of `status`: `sync` is the spec's section, or whether to read the proxies' sync state. */
export type StatusInput = Omit<OperationInput, 'sync'> & {
  /**
   * `false`: leave the proxies' sync state out (no istiod is asked). An object: the spec's
   * `sync` section (how istiod is reached, which proxies count), read with it. Undefined or
   * `true`: read with the spec's section.
   */
  sync?: ReleaseSpecOverrides['sync'] | boolean | undefined;
};

/** Reads the release state, slots, weights, lock, proxy sync and last checks. Changes nothing. */
export function status({ sync, ...rest }: StatusInput): Promise<StatusReport> {
  const input: OperationInput = typeof sync === 'object' ? { ...rest, sync } : rest;
  return withDependencies(input, (spec, deps) =>
    releaseStatus(spec, deps, { signal: input.signal, sync: sync !== false }),
  );
}

/** What deploy or release would change, validated by the API server with dryRun; changes nothing. */
export function plan({
  operation,
  image,
  ...input
}: OperationInput & {
  operation: 'deploy' | 'release';
  image?: string | undefined;
}): Promise<PlanReport> {
  return withDependencies(input, (spec, deps) =>
    planOperation(spec, deps, { operation, image, signal: input.signal }),
  );
}

/**
 * Reports the Istio pitfalls that would make a release misbehave (the preflight checks
 * deploy and release run, and a few they leave to their own errors), with the object, field
 * and fix of each. Changes nothing.
 */
export async function doctor(input: OperationInput): Promise<PreflightReport> {
  const connection = await connect(input);
  try {
    return await diagnose(factSources(connection), {
      spec: connection.spec,
      skipChecks: input.skipChecks,
      signal: input.signal,
    });
  } finally {
    await connection.gates.close();
  }
}
