/**
 * The world the operations' unit tests run in: a fake cluster with the bookinfo objects,
 * scripted gates on a fake clock, every event collected, and each operation bound to a
 * spec resolved for the test (`w.engine(overrides).release()`).
 */
import { FakeClock } from '../fake-clock.js';
import { readSlotWeights } from '../../istio/slot-weights.js';
import type { VirtualService } from '../../istio/types.js';
import type { ReleaseSpecOverrides } from '../../spec/release-spec.js';
import { resolveReleaseSpec } from '../../spec/resolve-release-spec.js';
import type {
  ResolvedReleaseSpec,
  RouteBackendKindName,
} from '../../spec/resolved-release-spec.js';
import type { KubeObject } from '../../kube/kube-types.js';
import type { HttpRoute } from '../../routing/http-route/http-route-types.js';
import type { HttpRouteTarget } from '../../routing/http-route/managed-rules.js';
import { readRuleWeights } from '../../routing/http-route/rule-weights.js';
import { deployCandidate, type DeployOptions } from '../deploy.js';
import type { OperationDependencies, OperationOptions } from '../operation-dependencies.js';
import { planOperation, type PlanOptions, type PlanReport } from '../plan.js';
import { promoteRelease, type PromoteOptions } from '../promote.js';
import { releaseCandidate } from '../release.js';
import type { OperationSummary, ReleaseEvent } from '../release-events.js';
import { rollbackRelease } from '../rollback.js';
import { recordOf } from '../recorded-routes.js';
import { releaseStatus, type StatusReport } from '../status.js';
import type { StatusOptions } from '../status-facts.js';
import { bookinfo, bookinfoHttpRoute, FakeCluster } from './fake-cluster.js';
import { FakeDataplane, FakeMetrics, FakeSyncGate } from './fake-gates.js';

/** Every operation, over one spec and one set of dependencies. */
export interface Operations {
  /** `deployCandidate`. */
  deploy(options: DeployOptions): Promise<OperationSummary>;
  /** `releaseCandidate`. */
  release(options?: OperationOptions): Promise<OperationSummary>;
  /** `promoteRelease`. */
  promote(options?: PromoteOptions): Promise<OperationSummary>;
  /** `rollbackRelease`. */
  rollback(options?: OperationOptions): Promise<OperationSummary>;
  /** `releaseStatus`. */
  status(options?: StatusOptions): Promise<StatusReport>;
  /** `planOperation`. */
  plan(options: PlanOptions): Promise<PlanReport>;
}

function operationsOver(spec: ResolvedReleaseSpec, deps: OperationDependencies): Operations {
  return {
    deploy: (options) => deployCandidate(spec, deps, options),
    release: (options) => releaseCandidate(spec, deps, options),
    promote: (options) => promoteRelease(spec, deps, options),
    rollback: (options) => rollbackRelease(spec, deps, options),
    status: (options) => releaseStatus(spec, deps, options),
    plan: (options) => planOperation(spec, deps, options),
  };
}

const target = {
  service: 'reviews',
  namespace: 'bookinfo',
  subsets: { blue: 'blue', green: 'green' },
} as const;

/** A fake cluster, fake gates on a fake clock, and the operations bound to them. */
export interface World {
  cluster: FakeCluster;
  clock: FakeClock;
  gate: FakeSyncGate;
  metrics: FakeMetrics;
  dataplane: FakeDataplane;
  events: ReleaseEvent[];
  /** The operations over one spec (the test spec plus `overrides`) and this world. */
  engine: (overrides?: ReleaseSpecOverrides, deps?: Partial<OperationDependencies>) => Operations;
  vs: () => VirtualService;
  /** The HTTPRoute (an HTTPRoute world). */
  route: () => HttpRoute;
  /** The routing object the world releases through. */
  routing: () => KubeObject;
  weights: () => { blue: number; green: number };
}

const routeTarget: HttpRouteTarget = {
  service: 'reviews',
  namespace: 'bookinfo',
  slotServices: { blue: 'reviews-blue', green: 'reviews-green' },
};

/** `spec` releasing through `kind` (as the library entry's detection would decide it). */
function withKind(kind: RouteBackendKindName, spec: ResolvedReleaseSpec): ResolvedReleaseSpec {
  return { ...spec, target: { ...spec.target, kind } };
}

/** What a world releases through. */
export interface WorldOptions {
  /** The routing object: bookinfo's VirtualService (default) or its HTTPRoute flavour. */
  kind?: RouteBackendKindName | undefined;
}

/** A fresh world with the bookinfo objects, blue active. */
export function world(options: WorldOptions = {}): World {
  const kind = options.kind ?? 'VirtualService';
  const cluster = new FakeCluster(kind === 'HTTPRoute' ? bookinfoHttpRoute() : bookinfo());
  const clock = new FakeClock();
  const gate = new FakeSyncGate(clock);
  const metrics = new FakeMetrics(clock);
  const dataplane = new FakeDataplane();
  const events: ReleaseEvent[] = [];
  const vs = (): VirtualService =>
    cluster.peek<VirtualService>('VirtualService', 'bookinfo', 'reviews');
  const route = (): HttpRoute => cluster.peek<HttpRoute>('HTTPRoute', 'bookinfo', 'reviews');
  return {
    cluster,
    clock,
    gate,
    metrics,
    dataplane,
    events,
    vs,
    route,
    routing: () => (kind === 'HTTPRoute' ? route() : vs()),
    weights: () =>
      kind === 'HTTPRoute' ? readRuleWeights(route(), routeTarget) : readSlotWeights(vs(), target),
    engine: (overrides = {}, deps = {}) =>
      operationsOver(
        withKind(
          kind,
          resolveReleaseSpec(
            undefined,
            {
              service: 'reviews',
              deploy: { preRelease: { headers: [{ name: 'x-release', exact: 'candidate' }] } },
              strategy: {
                steps: [{ weight: 20 }, { bake: '1m' }, { weight: 100 }, { bake: '1m' }],
              },
              checks: { interval: '10s', window: '1m', failureLimit: 2, inconclusiveLimit: 2 },
              prometheus: { url: 'http://prometheus.test:9090' },
              ...overrides,
            },
            { defaultNamespace: 'bookinfo' },
          ),
        ),
        {
          kube: cluster,
          clock,
          syncGate: gate,
          metrics,
          dataplane,
          holderIdentity: 'test-runner',
          onEvent: (e) => events.push(e),
          ...deps,
        },
      ),
  };
}

/** The release record on the VirtualService now. */
export function recordIn(w: World) {
  return recordOf(w.routing());
}

/** Deploys `image` to the idle slot (green). */
export async function deployed(w: World, image = 'reviews:v2'): Promise<void> {
  await w.engine().deploy({ image });
}
