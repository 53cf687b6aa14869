/**
 * Crash at every write: runs one switchyard command through the CLI, with a recording proxy
 * between it and the API server that SIGKILLs the process the moment its k-th write of state
 * is accepted (the answer is withheld, so the write is applied and the process never learns
 * it), then re-runs the same command, or separately `rollback`, and checks what must hold
 * after any crash:
 *
 * - the final state equals that of an uninterrupted run of the command (`cluster-state.ts`);
 * - no step applied twice: users saw the same route states in the same order, and each
 *   Deployment's spec changed as often, as in the uninterrupted run (`api-writes.ts`);
 * - at no moment did the routes send users to a slot without ready pods, or to nowhere
 *   (`route-safety.ts`, watched live by the cluster where it can);
 * - the user's own routes and fields are unchanged;
 * - the Lease ends free, or held by the crashed run only until its duration lapses;
 * - the release record and the routes agree.
 *
 * Each crash point works in a namespace of its own (`crash-fixture.ts`), so the points of
 * one operation run side by side.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { OperationInput } from '@switchyard/core';
import {
  runCli,
  runKubectl,
  startApiRecorder,
  waitFor,
  type CliResult,
} from '@switchyard/test-utils';
import {
  accepted,
  canonicalJson,
  isCrashPoint,
  routeStates,
  specChanges,
  writeKinds,
  writesFromProxy,
  type ApiWrite,
} from './api-writes.js';
import {
  comparableState,
  leaseClaim,
  readWithKubectl,
  recordDisagreements,
  releaseRecord,
  SERVICE,
  usersRoutes,
  type NamespaceObjects,
} from './cluster-state.js';
import { createCrashFixture, crashFixture } from './crash-fixture.js';
import { unservedDestinations } from './route-safety.js';

type Json = Record<string, any>;

/** A cluster to crash against: the simulator or the real test bed. */
export interface CrashCluster {
  /** Admin kubeconfig: kubectl, the library's preparation, and the recording proxy's credentials. */
  kubeconfig: string;
  /**
   * Starts watching where `namespace`'s routes send users, at every change; the returned
   * function stops and says what went wrong. Undefined: judged from the writes alone.
   */
  watchRouteSafety?: ((namespace: string) => () => string[]) | undefined;
  /**
   * The writes to `namespace` since `sinceMs`, from the API server's own record (the audit
   * log). Undefined: the proxy's record.
   */
  auditedWrites?: ((namespace: string, sinceMs: number) => ApiWrite[]) | undefined;
  /** The namespace's objects (undefined while one is missing). Undefined: read with kubectl. */
  read?: ((namespace: string) => Promise<NamespaceObjects | undefined>) | undefined;
}

/** One operation the harness crashes. */
export interface CrashOperation {
  /** Name in the report: `deploy`, `release (canary)`. */
  name: string;
  /** Short id for namespace names. */
  id: string;
  /** The CLI command with its own flags (the target, spec and output flags are added). */
  command: string[];
  /** Brings a fresh namespace to where the command starts, through the library. */
  prepare?: ((input: OperationInput) => Promise<unknown>) | undefined;
}

/** Why a re-run is made. */
export type Recovery = 'rerun' | 'rollback';

/** What the harness found at one crash point. */
export interface CrashPointResult {
  operation: string;
  k: number;
  recovery: Recovery;
  /** The write after which the process was killed (`patch virtualservices reviews`). */
  killedAfter: string;
  /** What broke; empty when every invariant held. */
  failures: string[];
}

/** The uninterrupted run every crash point is compared with. */
export interface CrashReference {
  operation: CrashOperation;
  /** Crash points: the command's accepted writes of state. */
  writes: ApiWrite[];
  /** Kinds of those writes and their counts. */
  kinds: Record<string, number>;
  /** The comparable final state. */
  finalState: Json;
  /** Route states users saw. */
  routeStates: string[];
  /** How often each slot's Deployment spec changed. */
  deploymentChanges: Record<string, number>;
}

/** The holder identity of "the pipeline": a re-run presents the same one. */
export const PIPELINE = 'crash-pipeline';

/** The release spec every run uses (checks off: bakes only wait). */
const specText = (leaseDuration: string): string =>
  [
    'apiVersion: switchyard.dev/v1alpha1',
    'kind: ReleaseSpec',
    `service: ${SERVICE}`,
    'deploy:',
    '  preRelease:',
    '    headers: [{ name: x-release, exact: candidate }]',
    'checks:',
    '  items: []',
    'sync:',
    '  timeout: 60s',
    'preflight:',
    '  skip: [prometheus-data, header-size]',
    'lock:',
    `  leaseDuration: ${leaseDuration}`,
    '',
  ].join('\n');
/** How long a Lease claim lasts in the crash points. */
export const LEASE_DURATION_MS = 30_000;
/** How long it lasts where another pipeline takes the Lease over. */
const SHORT_LEASE_MS = 8_000;

/** A crash harness on one cluster. */
export class CrashHarness {
  readonly #cluster: CrashCluster;
  readonly #dir: string;
  readonly #spec: string;
  readonly #shortLeaseSpec: string;

  private constructor(cluster: CrashCluster, dir: string) {
    this.#cluster = cluster;
    this.#dir = dir;
    this.#spec = join(dir, 'release-spec.yaml');
    this.#shortLeaseSpec = join(dir, 'short-lease-spec.yaml');
  }

  /** A harness with its spec file in a temporary folder. */
  static async create(cluster: CrashCluster): Promise<CrashHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-crash-'));
    const harness = new CrashHarness(cluster, dir);
    await writeFile(harness.#spec, specText(`${LEASE_DURATION_MS / 1000}s`));
    await writeFile(harness.#shortLeaseSpec, specText(`${SHORT_LEASE_MS / 1000}s`));
    return harness;
  }

  /** Removes the temporary folder. */
  async dispose(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** Runs `operation` uninterrupted in a fresh namespace: the crash points and the expected end. */
  async reference(operation: CrashOperation): Promise<CrashReference> {
    const namespace = `crash-${operation.id}-ref`;
    const initial = await this.#prepared(operation, namespace);
    const run = await this.#run(operation.command, namespace, { killAt: undefined });
    if (run.result.code !== 0) {
      throw new Error(
        `${operation.name} uninterrupted: exit ${run.result.code}\n${run.result.stdout}${run.result.stderr}`,
      );
    }
    const final = await this.#read(namespace);
    return {
      operation,
      writes: run.writes.filter(isCrashPoint),
      kinds: writeKinds(run.writes),
      finalState: comparableState(final),
      routeStates: routeStates(initial.virtualService.spec as Json, run.writes, SERVICE),
      deploymentChanges: deploymentChanges(initial, run.writes),
    };
  }

  /** Crashes `reference`'s command after its k-th write of state and recovers by `recovery`. */
  async crashPoint(
    reference: CrashReference,
    k: number,
    recovery: Recovery,
  ): Promise<CrashPointResult> {
    const { operation } = reference;
    const namespace = `crash-${operation.id}-${k}-${recovery === 'rerun' ? 'r' : 'b'}`;
    const initial = await this.#prepared(operation, namespace);
    const failures: string[] = [];
    const stopWatching = this.#cluster.watchRouteSafety?.(namespace);
    const crashedAt = Date.now();
    const crashed = await this.#run(operation.command, namespace, { killAt: k });
    const killedWrite = crashed.writes.filter(isCrashPoint)[k - 1];
    const killedAfter = killedWrite
      ? `${killedWrite.verb} ${killedWrite.resource} ${killedWrite.name}`
      : 'nothing';
    if (crashed.result.signal !== 'SIGKILL') {
      failures.push(
        `the command was not killed after write ${k}: it made ${crashed.writes.filter(isCrashPoint).length} (exit ${crashed.result.code})`,
      );
    }
    const afterCrash = await this.#read(namespace);
    const recoveryCommand = recovery === 'rerun' ? operation.command : ['rollback', SERVICE];
    const recovered = await this.#run(recoveryCommand, namespace, { killAt: undefined });
    const final = await this.#read(namespace);
    const unsafe = stopWatching?.() ?? [];
    const audited = this.#cluster.auditedWrites?.(namespace, crashedAt);
    const writes = audited ?? [...crashed.writes, ...recovered.writes];
    const exit = recovered.result.code;
    const summary = recovered.result.lines.at(-1) ?? recovered.result.stderr;

    // Where users were sent, at every moment the cluster shows (or at every write).
    failures.push(...unsafe);
    // The recovery ends the operation.
    const nothingToRollBack =
      recovery === 'rollback' &&
      exit === 2 &&
      (releaseRecord(afterCrash.virtualService)?.phase ?? 'idle') === 'idle' &&
      summary.includes('nothing to roll back');
    if (exit !== 0 && !nothingToRollBack)
      failures.push(`${recoveryCommand[0]} after the crash: exit ${exit}: ${summary}`);
    if (recovery === 'rerun') {
      const state = comparableState(final);
      if (!isDeepStrictEqual(state, reference.finalState)) {
        failures.push(
          `the final state differs from an uninterrupted run:\n  got      ${canonicalJson(state)}\n  expected ${canonicalJson(reference.finalState)}`,
        );
      }
      const states = routeStates(initial.virtualService.spec as Json, writes, SERVICE);
      if (!isDeepStrictEqual(states, reference.routeStates)) {
        failures.push(
          `users saw ${states.length - 1} route changes, an uninterrupted run ${reference.routeStates.length - 1}:\n  ${states.join('\n  ')}`,
        );
      }
      const changes = deploymentChanges(initial, writes);
      if (!isDeepStrictEqual(changes, reference.deploymentChanges)) {
        failures.push(
          `Deployment specs changed ${canonicalJson(changes)} times, uninterrupted ${canonicalJson(reference.deploymentChanges)}`,
        );
      }
    } else {
      // A rollback returns users to exactly the routes they had before the pipeline.
      const before = crashFixture(namespace).find((o) => o.kind === 'VirtualService')?.spec;
      if (canonicalJson(final.virtualService.spec) !== canonicalJson(before)) {
        failures.push(
          `after rollback the routes are not those before the pipeline:\n  got      ${canonicalJson(final.virtualService.spec)}\n  expected ${canonicalJson(before)}`,
        );
      }
    }
    // The user's own routes and fields.
    if (
      canonicalJson(usersRoutes(final.virtualService)) !==
      canonicalJson(usersRoutes(initial.virtualService))
    ) {
      failures.push(
        `the user's routes or fields changed: ${canonicalJson(usersRoutes(final.virtualService))}`,
      );
    }
    if (canonicalJson(final.destinationRule.spec) !== canonicalJson(initial.destinationRule.spec)) {
      failures.push(`the DestinationRule changed: ${canonicalJson(final.destinationRule.spec)}`);
    }
    // The Lease: free after a finished recovery; else held by the crashed run until it lapses.
    const lease = leaseClaim(final.lease);
    if (exit === 0 && lease.holder !== '')
      failures.push(`the Lease is still held by ${lease.holder}`);
    if (exit !== 0 && lease.holder !== '') {
      if (lease.holder !== PIPELINE) failures.push(`the Lease is held by ${lease.holder}`);
      if (lease.expiresAt > Date.now() + LEASE_DURATION_MS)
        failures.push(
          `the Lease is claimed until ${new Date(lease.expiresAt).toISOString()}, beyond its duration`,
        );
    }
    // The record and the routes.
    failures.push(...recordDisagreements(final.virtualService));
    if (!this.#cluster.watchRouteSafety) failures.push(...unsafeWrites(initial, writes));
    await this.#remove(namespace);
    return { operation: operation.name, k, recovery, killedAfter, failures };
  }

  /**
   * Another pipeline after a crash at write `k` (a Lease of a few seconds): refused while the
   * crashed run's claim lasts, naming it; once the claim lapsed it takes the Lease over and
   * finishes the operation. Returns what went wrong.
   */
  async takeOver(reference: CrashReference, k: number): Promise<string[]> {
    const { operation } = reference;
    const namespace = `crash-${operation.id}-${k}-takeover`;
    await this.#prepared(operation, namespace);
    const failures: string[] = [];
    const crashed = await this.#run(operation.command, namespace, {
      killAt: k,
      spec: this.#shortLeaseSpec,
    });
    if (crashed.result.signal !== 'SIGKILL')
      failures.push(`the command was not killed after write ${k}`);
    const other = { killAt: undefined, holder: 'another-pipeline', spec: this.#shortLeaseSpec };
    const claim = leaseClaim((await this.#read(namespace)).lease);
    const refused = await this.#run(operation.command, namespace, other);
    // Refused while the claim lasts (exit 6, naming the holder); only after it, taken over.
    if (refused.result.code === 6) {
      if (!refused.result.stdout.includes(`"${PIPELINE}"`))
        failures.push(`the refusal does not name ${PIPELINE}: ${refused.result.stdout}`);
    } else if (refused.result.code !== 0 || Date.now() < claim.expiresAt) {
      failures.push(
        `another pipeline within the crashed run's claim: exit ${refused.result.code} (expected 6): ${refused.result.stdout}`,
      );
    }
    if (refused.result.code !== 0) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, claim.expiresAt - Date.now()) + 200),
      );
      const taken = await this.#run(operation.command, namespace, other);
      if (taken.result.code !== 0) {
        failures.push(
          `after the claim lapsed: exit ${taken.result.code}: ${taken.result.stdout}${taken.result.stderr}`,
        );
      }
    }
    const final = await this.#read(namespace);
    if (leaseClaim(final.lease).holder !== '')
      failures.push(`the Lease is still held by ${leaseClaim(final.lease).holder}`);
    const state = comparableState(final);
    if (!isDeepStrictEqual(state, reference.finalState)) {
      failures.push(
        `the final state differs from an uninterrupted run:\n  got      ${canonicalJson(state)}\n  expected ${canonicalJson(reference.finalState)}`,
      );
    }
    failures.push(...recordDisagreements(final.virtualService));
    await this.#remove(namespace);
    return failures;
  }

  /** A fresh namespace at the operation's starting point; its objects as they are then. */
  async #prepared(operation: CrashOperation, namespace: string): Promise<NamespaceObjects> {
    await this.#create(namespace);
    await operation.prepare?.({
      kubeconfig: this.#cluster.kubeconfig,
      file: this.#spec,
      service: SERVICE,
      namespace,
      holderIdentity: 'crash-setup',
      sync: { timeout: '60s', scope: { namespaces: [namespace] } },
    });
    return this.#read(namespace);
  }

  /** The CLI through a fresh recording proxy; killed after the `killAt`-th write of state. */
  async #run(
    command: readonly string[],
    namespace: string,
    {
      killAt,
      holder = PIPELINE,
      spec = this.#spec,
    }: { killAt: number | undefined; holder?: string; spec?: string },
  ): Promise<{ result: CliResult; writes: ApiWrite[] }> {
    let child: { kill(signal: NodeJS.Signals): boolean } | undefined;
    let count = 0;
    const proxy = await startApiRecorder(this.#cluster.kubeconfig, namespace, {
      onWrite: (write) => {
        if (killAt === undefined || !isCrashPoint(writesFromProxy([write])[0] as ApiWrite)) return;
        count++;
        if (count !== killAt) return;
        child?.kill('SIGKILL');
        return 'withhold';
      },
    });
    try {
      const kubeconfig = proxy.kubeconfig;
      const result = await runCli(
        [
          ...command,
          '-n',
          namespace,
          '--kubeconfig',
          kubeconfig,
          '-f',
          spec,
          '--holder',
          holder,
          '--sync-namespace',
          namespace,
          '-o',
          'json',
        ],
        {
          onSpawn: (spawned) => {
            child = spawned;
          },
          timeoutMs: 120_000,
        },
      );
      return { result, writes: writesFromProxy(proxy.requests) };
    } finally {
      await proxy.close();
    }
  }

  /** The namespace's objects. */
  async #read(namespace: string): Promise<NamespaceObjects> {
    const objects = await (
      this.#cluster.read ?? ((ns) => readWithKubectl(this.#cluster.kubeconfig, ns))
    )(namespace);
    if (!objects) throw new Error(`the objects of ${namespace} are not all there`);
    return objects;
  }

  /** A fresh copy of the fixture in `namespace`, once blue's pod is available. */
  async #create(namespace: string): Promise<void> {
    await createCrashFixture(this.#cluster.kubeconfig, namespace);
    await waitFor(
      async () => {
        const objects = await (
          this.#cluster.read ?? ((ns) => readWithKubectl(this.#cluster.kubeconfig, ns))
        )(namespace);
        return Number(objects?.deployments.blue.status?.availableReplicas ?? 0) >= 1 || undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 100,
        description: `reviews-blue available in ${namespace}`,
      },
    );
  }

  /** Deletes the point's objects (the namespace's pods go with their Deployments). */
  async #remove(namespace: string): Promise<void> {
    await runKubectl(this.#cluster.kubeconfig, [
      '-n',
      namespace,
      'delete',
      'deployment,virtualservice,destinationrule,service,lease',
      '--all',
      '--wait=false',
    ]);
  }
}

/** How often each slot's Deployment spec changed in `writes`. */
function deploymentChanges(
  initial: NamespaceObjects,
  writes: readonly ApiWrite[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [slot, deployment] of Object.entries(initial.deployments)) {
    out[slot] = specChanges(
      writes,
      'deployments',
      deployment.metadata.name as string,
      Number(deployment.metadata.generation),
    );
  }
  return out;
}

/**
 * Without a live watch (the real test bed): every route state written must send users only
 * to subsets the DestinationRule defines whose Deployment had replicas when it was written.
 * Weaker than the watch (a replica is not a ready pod); the simulator's tier has the watch.
 */
function unsafeWrites(initial: NamespaceObjects, writes: readonly ApiWrite[]): string[] {
  const deployments = new Map<string, Json>(
    Object.values(initial.deployments).map((d) => [d.metadata.name as string, d]),
  );
  let destinationRule = initial.destinationRule;
  const problems: string[] = [];
  for (const write of writes) {
    if (!accepted(write) || !write.object) continue;
    if (write.resource === 'deployments') deployments.set(write.name, write.object);
    if (write.resource === 'destinationrules') destinationRule = write.object;
    if (write.resource !== 'virtualservices' || write.name !== SERVICE) continue;
    const pods = [...deployments.values()]
      .filter((d) => Number(d.spec?.replicas ?? 1) > 0)
      .map((d) => ({
        metadata: { labels: d.spec?.template?.metadata?.labels as Record<string, string> },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      }));
    problems.push(...unservedDestinations(write.object, destinationRule, pods));
  }
  return problems;
}
