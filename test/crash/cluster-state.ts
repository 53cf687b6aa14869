/**
 * What the crash harness compares: the state a release leaves in one namespace (the
 * VirtualService's spec, labels and annotations, the release record without its times and
 * ids, the DestinationRule, both slots' Deployments, the Lease's holder), read with kubectl
 * so the simulator and the real test bed are read the same way; and the rules every
 * crash point must keep (the record agrees with the routes, the Lease is free or expires).
 */
import { STATE_ANNOTATION } from '@switchyard/core/internal-testing';
import { runKubectl } from '@switchyard/test-utils';

type Json = Record<string, any>;

/** The service the fixture releases and its slots. */
export const SERVICE = 'reviews';
/** The name switchyard gives its pre-release header route. */
export const HEADER_ROUTE = `switchyard-${SERVICE}-prerelease`;

/** The objects of one namespace the harness looks at. */
export interface NamespaceObjects {
  virtualService: Json;
  destinationRule: Json;
  deployments: Record<'blue' | 'green', Json>;
  lease: Json | undefined;
}

/** The namespace's objects read with kubectl in one request (undefined while one is missing). */
export async function readWithKubectl(
  kubeconfig: string,
  namespace: string,
): Promise<NamespaceObjects | undefined> {
  const list = JSON.parse(
    await runKubectl(kubeconfig, [
      '-n',
      namespace,
      'get',
      `virtualservice/${SERVICE}`,
      `destinationrule/${SERVICE}`,
      `deployment/${SERVICE}-blue`,
      `deployment/${SERVICE}-green`,
      `lease/switchyard-${SERVICE}`,
      '--ignore-not-found',
      '-o',
      'json',
    ]),
  ) as { items: Json[] };
  const find = (kind: string, name: string): Json | undefined =>
    list.items.find((o) => o.kind === kind && o.metadata?.name === name);
  const virtualService = find('VirtualService', SERVICE);
  const destinationRule = find('DestinationRule', SERVICE);
  const blue = find('Deployment', `${SERVICE}-blue`);
  const green = find('Deployment', `${SERVICE}-green`);
  if (!virtualService || !destinationRule || !blue || !green) return undefined;
  return {
    virtualService,
    destinationRule,
    deployments: { blue, green },
    lease: find('Lease', `switchyard-${SERVICE}`),
  };
}

/** Fields of the record that differ between any two runs (times, ids, who wrote it). */
const VOLATILE = new Set([
  'updatedAt',
  'holder',
  'id',
  'startedAt',
  'endedAt',
  'changeAt',
  'bakeStartedAt',
  'at',
  'namespace',
]);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, field] of Object.entries(value as Json)) {
    if (!VOLATILE.has(key) && field !== undefined) out[key] = withoutVolatile(field);
  }
  return out;
}

/** The release record on the VirtualService, as stored (undefined: none). */
export function releaseRecord(vs: Json): Json | undefined {
  const text = (vs.metadata?.annotations as Record<string, string> | undefined)?.[STATE_ANNOTATION];
  return text === undefined ? undefined : (JSON.parse(text) as Json);
}

/** The namespace's state, comparable between an interrupted and an uninterrupted run. */
export function comparableState(objects: NamespaceObjects): Json {
  const { [STATE_ANNOTATION]: _record, ...annotations } = (objects.virtualService.metadata
    ?.annotations ?? {}) as Record<string, string>;
  const deployment = (d: Json): Json => ({
    replicas: d.spec?.replicas,
    template: d.spec?.template,
    labels: d.metadata?.labels,
    annotations: withoutVolatile(d.metadata?.annotations ?? {}),
  });
  return {
    virtualService: {
      spec: objects.virtualService.spec,
      labels: objects.virtualService.metadata?.labels,
      annotations,
    },
    record: withoutVolatile(releaseRecord(objects.virtualService)),
    destinationRule: {
      spec: objects.destinationRule.spec,
      labels: objects.destinationRule.metadata?.labels,
    },
    blue: deployment(objects.deployments.blue),
    green: deployment(objects.deployments.green),
    leaseHolder: objects.lease?.spec?.holderIdentity ?? '',
  };
}

/** The user's part of the VirtualService: every route but switchyard's header route, with the managed route's weights and mirror left out. */
export function usersRoutes(vs: Json): Json {
  const http = ((vs.spec?.http ?? []) as Json[])
    .filter((route) => route.name !== HEADER_ROUTE)
    .map((route) => {
      const { mirror: _mirror, mirrorPercentage: _percentage, ...rest } = route;
      return {
        ...rest,
        route: ((route.route ?? []) as Json[]).map(({ weight: _weight, ...d }) => d),
      };
    });
  const { http: _http, ...spec } = (vs.spec ?? {}) as Json;
  const { [STATE_ANNOTATION]: _record, ...annotations } = (vs.metadata?.annotations ??
    {}) as Record<string, string>;
  return { spec, http, labels: vs.metadata?.labels, annotations };
}

/** Where the record and the live routes disagree; empty when they agree. */
export function recordDisagreements(vs: Json): string[] {
  const record = releaseRecord(vs);
  if (!record) return [];
  const out: string[] = [];
  const managed = ((vs.spec?.http ?? []) as Json[]).find((route) => route.name === 'primary');
  const weightOf = (subset: string): number =>
    Number(
      ((managed?.route ?? []) as Json[]).find((d) => d.destination?.subset === subset)?.weight ?? 0,
    );
  const live = { blue: weightOf('blue'), green: weightOf('green') };
  if (live.blue !== record.weights?.blue || live.green !== record.weights?.green) {
    out.push(
      `record weights blue ${record.weights?.blue} / green ${record.weights?.green}, routes blue ${live.blue} / green ${live.green}`,
    );
  }
  const routes = (vs.spec?.http ?? []) as Json[];
  const headerRoute = routes.some((route) => route.name === HEADER_ROUTE);
  if (headerRoute !== Boolean(record.headerRoute)) {
    out.push(
      `record headerRoute ${record.headerRoute}, header route ${headerRoute ? 'present' : 'absent'}`,
    );
  }
  const primary = routes.find((route) => route.name === 'primary');
  const mirror = primary?.mirror ? (primary.mirrorPercentage?.value ?? 100) : 0;
  if (mirror !== (record.mirrorPercent ?? 0)) {
    out.push(`record mirrorPercent ${record.mirrorPercent}, routes mirror ${mirror}`);
  }
  return out;
}

/** Whether the Lease is free, or when its claim lapses (ms since epoch). */
export function leaseClaim(lease: Json | undefined): { holder: string; expiresAt: number } {
  const holder = (lease?.spec?.holderIdentity as string | undefined) ?? '';
  const renewed = Date.parse(lease?.spec?.renewTime ?? lease?.spec?.acquireTime ?? '');
  const duration = Number(lease?.spec?.leaseDurationSeconds ?? 0) * 1000;
  return { holder, expiresAt: Number.isNaN(renewed) ? 0 : renewed + duration };
}
