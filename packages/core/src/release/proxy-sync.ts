/**
 * Confirming a route change reached the proxies: wait on the sync gate for every proxy in
 * scope to ack a push newer than the snapshot taken just before the write, then, when the
 * spec asks for it, prove from Envoy's own config_dump that proxies route as recorded.
 */
import { resolveHost } from '../istio/host-name.js';
import { prereleaseRouteName } from '../istio/route-target.js';
import type { OperationContext } from './operation-context.js';
import type { SyncSnapshot } from './ports.js';

/** Waits for every proxy to ack the change made after `snapshot`; throws SyncTimeoutError. */
export async function waitForProxySync(
  context: OperationContext,
  snapshot: SyncSnapshot,
  reason: string,
): Promise<void> {
  const { log } = context;
  log.emit({ type: 'sync-started', reason });
  const report = await context.clients.syncGate.waitForSync(snapshot, {
    timeoutMs: context.spec.sync.timeoutMs,
    signal: context.signal,
    onProgress: (progress) =>
      log.emit({
        type: 'sync-progress',
        synced: progress.synced,
        total: progress.total,
        elapsedMs: progress.elapsedMs,
        slowest: progress.pending.slice(0, 5),
      }),
  });
  if (report.total === 0) {
    log.emit({
      type: 'warning',
      message:
        'no proxies in the sync scope: nothing to wait for (check sync.scope and sidecar injection)',
    });
  }
  log.emit({
    type: 'sync-completed',
    synced: report.synced,
    total: report.total,
    durationMs: report.completedAt - report.startedAt,
  });
}

/**
 * Checks `spec.sync.verifyDataplane` proxies' config_dump against the recorded routes;
 * throws DataplaneMismatchError. Does nothing when not enabled.
 */
export async function verifyDataplane(context: OperationContext): Promise<void> {
  const { spec, service } = context;
  const count = spec.sync.verifyDataplane;
  const verifier = context.clients.dataplane;
  if (count <= 0 || !verifier) return;
  const vs = context.state.virtualService;
  const record = context.state.record;
  const port =
    service.service.spec?.ports?.length === 1
      ? service.service.spec.ports[0]?.port
      : service.service.spec?.ports?.[0]?.port;
  const weights: Record<string, number> = {};
  for (const slot of ['blue', 'green'] as const)
    weights[spec.target.slots[slot].subset] = record.weights[slot];
  const managed = vs.spec.http?.find((r) => r.name && spec.target.routes?.includes(r.name))?.name;
  const proxies = await verifier.verify(
    {
      host: resolveHost(spec.target.host, spec.namespace),
      port: port ?? 80,
      weights,
      routeName: managed,
      headerRoute: {
        name: prereleaseRouteName(spec.service),
        present: record.headerRoute,
        subset: record.headerRoute ? spec.target.slots[context.candidate].subset : undefined,
      },
    },
    { count, signal: context.signal },
  );
  context.log.emit({ type: 'dataplane-verified', proxies });
}
