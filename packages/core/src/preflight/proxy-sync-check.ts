/**
 * `proxy-sync`: the proxies in the sync scope are in sync now, the `istioctl proxy-status`
 * view from every istiod replica's syncz: per proxy, its istiod and the state of each xDS
 * type (SYNCED, NOT SENT, STALE, ERROR), the slowest named. A proxy STALE for longer than the
 * sync timeout will most likely not take the release's change either, so the sync gate would
 * time out and roll back: an error when such proxies leave too few to meet `requiredRatio`.
 * A proxy whose Envoy rejected its last push (ERROR) is a warning: the gate gives it a chance
 * to accept the new push, and rolls back when it rejects that too. A push is normally acked
 * within seconds (istiod debounces up to 10 s), so a proxy STALE for less than that is
 * propagation in progress, not worth a word.
 */
import type { ProxySyncState } from '../errors.js';
import type { ProxyRouteStatus, XdsTypeName } from '../gates/syncz-status.js';
import { notCheckedFinding, type Finding } from './finding.js';
import type { PreflightCheck } from './preflight-check.js';
import type { PreflightContext } from './preflight-context.js';

const ID = 'proxy-sync';
/**
 * Types a proxy must have: ECDS is commonly never sent, and a waypoint is never sent RDS (its
 * routes are inline in its listeners).
 */
function requiredTypes(proxy: ProxyRouteStatus): readonly XdsTypeName[] {
  return proxy.routesType === 'LDS' ? ['CDS', 'LDS', 'EDS'] : ['CDS', 'LDS', 'EDS', 'RDS'];
}
const SHOWN = 5;
/** How long a proxy may take to ack a push before it counts as lagging. */
export const LAGGING_AFTER_MS = 10_000;

/** One proxy's worst types, with how long it has been waiting. */
interface ProxyProblem {
  readonly proxy: ProxyRouteStatus;
  readonly state: ProxySyncState;
  readonly types: readonly XdsTypeName[];
  readonly waitingMs: number;
  readonly lastError: string | undefined;
}

function problemOf(proxy: ProxyRouteStatus, now: number): ProxyProblem | undefined {
  const types = proxy.xds;
  const states: [XdsTypeName, ProxySyncState, number | undefined, string | undefined][] = types
    ? requiredTypes(proxy).map((name) => [
        name,
        types[name].state,
        types[name].sentAt,
        types[name].lastError,
      ])
    : [[proxy.routesType ?? 'RDS', proxy.state, proxy.sentAt ?? proxy.nonceTime, proxy.lastError]];
  for (const state of ['ERROR', 'STALE', 'NOT SENT'] as const) {
    const matching = states.filter(([, s]) => s === state);
    if (matching.length === 0) continue;
    const sentAt = Math.min(...matching.map(([, , at]) => at ?? now));
    return {
      proxy,
      state,
      types: matching.map(([name]) => name),
      waitingMs: state === 'NOT SENT' ? 0 : Math.max(0, now - sentAt),
      lastError: matching.find(([, , , error]) => error)?.[3],
    };
  }
  return undefined;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

function describe(problem: ProxyProblem): string {
  const { proxy, state, types, waitingMs, lastError } = problem;
  const wait = state === 'STALE' ? ` for ${seconds(waitingMs)}` : '';
  const error = lastError ? ` (${lastError})` : '';
  return `${proxy.proxy} (istiod ${proxy.istiod}): ${types.join(', ')} ${state}${wait}${error}`;
}

function listed(problems: readonly ProxyProblem[]): string {
  const shown = problems.slice(0, SHOWN).map(describe).join('; ');
  return problems.length > SHOWN ? `${shown}; and ${problems.length - SHOWN} more` : shown;
}

function podRef(proxy: ProxyRouteStatus): Finding['object'] {
  return { kind: 'Pod', namespace: proxy.namespace, name: proxy.pod };
}

function istiodRef(context: PreflightContext): Finding['object'] {
  return { kind: 'Namespace', name: context.spec.sync.istiod.namespace };
}

/** The check. */
export const proxySyncCheck: PreflightCheck = {
  id: ID,
  severity: 'error',
  title: 'the proxies in the sync scope are in sync now (istioctl proxy-status)',
  needs: ['proxies'],
  run(context) {
    if (!context.proxies.ok)
      return [
        {
          id: ID,
          severity: 'error',
          object: istiodRef(context),
          field: '',
          message: `no istiod answered /debug/syncz: ${context.proxies.error}; the sync gate cannot confirm any change`,
          fix: context.spec.sync.istiod.url
            ? 'do what the message says istiod wants (sync.istiod.url, tokenFile, tokenEnv), or leave sync.istiod.url unset to port-forward to every istiod'
            : 'check that istiod runs (sync.istiod.namespace, sync.istiod.revision) and that you may port-forward to it',
        },
      ];
    const { proxies, unanswered } = context.proxies.value;
    const findings: Finding[] = [];
    if (unanswered.length > 0)
      findings.push(
        notCheckedFinding(
          ID,
          istiodRef(context),
          `the proxies of istiod ${unanswered.map((u) => u.istiod).join(', ')}`,
          unanswered.map((u) => `${u.istiod}: ${u.error}`).join('; '),
          'check those istiod pods; the sync gate waits for their proxies too',
        ),
      );
    if (proxies.length === 0) {
      findings.push({
        id: ID,
        severity: 'warning',
        object: istiodRef(context),
        field: '',
        message:
          'no proxy in the sync scope is connected to istiod: the sync gate has nothing to wait for, so it confirms nothing',
        fix: 'check sidecar injection and sync.scope',
      });
      return findings;
    }
    const problems = proxies
      .map((proxy) => problemOf(proxy, context.now))
      .filter((p): p is ProxyProblem => p !== undefined)
      .sort((a, b) => b.waitingMs - a.waitingMs || (a.proxy.proxy < b.proxy.proxy ? -1 : 1));
    const timeoutMs = context.spec.sync.timeoutMs;
    const stuck = problems.filter((p) => p.state === 'STALE' && p.waitingMs > timeoutMs);
    const lagging = problems.filter(
      (p) => p.state === 'STALE' && p.waitingMs > LAGGING_AFTER_MS && p.waitingMs <= timeoutMs,
    );
    const rejecting = problems.filter((p) => p.state === 'ERROR');
    const unsent = problems.filter((p) => p.state === 'NOT SENT');
    const total = proxies.length;
    // A group's finding names its slowest proxy and the types it waits for.
    const about = (
      group: ProxyProblem[],
      severity: Finding['severity'],
      message: string,
      fix: string,
    ): Finding => {
      const first = group[0] as ProxyProblem;
      const field = `xds ${first.types.join(', ')}`;
      return { id: ID, severity, object: podRef(first.proxy), field, message, fix };
    };
    if (stuck.length > 0) {
      const reachable = (total - stuck.length) / total;
      const fatal = reachable < context.spec.sync.requiredRatio;
      findings.push(
        about(
          stuck,
          fatal ? 'error' : 'warning',
          `${stuck.length} of ${total} proxies have not acked a push for longer than the sync timeout (${seconds(timeoutMs)}); slowest first: ${listed(stuck)}` +
            (fatal
              ? `: the sync gate needs ${Math.round(context.spec.sync.requiredRatio * 100)}% synced, so the release would time out and roll back`
              : ''),
          'restart the stuck pods (their Envoy lost istiod), or narrow sync.scope / lower sync.requiredRatio',
        ),
      );
    }
    if (rejecting.length > 0)
      findings.push(
        about(
          rejecting,
          'warning',
          `${rejecting.length} of ${total} proxies rejected their last push (Envoy NACK): ${listed(rejecting)}; if they reject the release's change too, it rolls back`,
          'find the config Envoy refuses (istioctl proxy-status <pod>, istiod logs) and fix it first',
        ),
      );
    if (lagging.length > 0)
      findings.push(
        about(
          lagging,
          'warning',
          `${lagging.length} of ${total} proxies have not acked a push for more than ${seconds(LAGGING_AFTER_MS)}; slowest first: ${listed(lagging)}`,
          'nothing, if they catch up; the sync gate waits for them',
        ),
      );
    if (unsent.length > 0)
      findings.push(
        about(
          unsent,
          'info',
          `${unsent.length} of ${total} proxies have not been sent every type yet (just connected?): ${listed(unsent)}`,
          'nothing, if they get them shortly',
        ),
      );
    return findings;
  },
};
