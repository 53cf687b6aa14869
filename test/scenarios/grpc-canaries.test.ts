/**
 * A gRPC service behind the mesh. A failing gRPC call is answered HTTP 200 with a non-OK
 * `grpc-status`, and Istio counts it as `response_code="200"` with `grpc_response_status`
 * set: a success rate over `response_code` alone reads 100% while calls fail. The built-in
 * success-rate check counts those failures, so a gRPC canary failing calls rolls back
 * (exit 3) with the reason in text, and a healthy one is released (exit 0).
 *
 * The clients call reviews on a `grpc` Service port: gRPC needs HTTP/2 end to end, which
 * Istio gives a port named `grpc` (not one named `http`, which it proxies as HTTP/1.1).
 */
import { runCli, waitFor, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployQuietly } from './deploy-quietly.js';
import { startScenarioCluster } from './scenario-cluster.js';

const GRPC_PORT = 9090;
/** A build whose gRPC handler fails three calls in ten with UNKNOWN (2). */
const GRPC_BROKEN_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v2:grpc-broken';
/** A build whose gRPC calls all succeed. */
const GRPC_HEALTHY_IMAGE = 'docker.io/istio/examples-bookinfo-reviews-v2:grpc-ok';
const LATENCY = { medianMs: 15, p99Ms: 60 };

let cluster: Cluster;
let ns: string;

const candidateQuery = (matchers: string): string =>
  `sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="${ns}",destination_workload="reviews-green"${matchers}}[30s]))`;

beforeAll(async () => {
  cluster = await startScenarioCluster('grpc-canaries', { prometheus: true });
  ns = cluster.namespace;
  await cluster.setImageBehaviour(GRPC_BROKEN_IMAGE, {
    errorRate: 0,
    latency: LATENCY,
    grpcErrorRate: 0.3,
  });
  await cluster.setImageBehaviour(GRPC_HEALTHY_IMAGE, {
    errorRate: 0,
    latency: LATENCY,
    grpcErrorRate: 0,
  });
  // reviews serves gRPC on its own port, next to the HTTP one.
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'service',
    'reviews',
    '--type',
    'json',
    '-p',
    JSON.stringify([
      {
        op: 'add',
        path: '/spec/ports/-',
        value: { name: 'grpc', port: GRPC_PORT, targetPort: GRPC_PORT },
      },
    ]),
  ]);
  const target = { host: 'reviews', port: GRPC_PORT, path: '/bookinfo.Reviews/GetReviews' };
  await cluster.setClients([
    { name: 'productpage', namespace: ns, rps: 40, target, protocol: 'grpc' },
    {
      name: 'release-tester',
      namespace: ns,
      rps: 10,
      target,
      headers: { 'x-release': 'candidate' },
      protocol: 'grpc',
    },
  ]);
  await waitFor(
    async () => {
      const ok = await cluster.promQuery(
        `sum(istio_requests_total{reporter="destination",destination_workload_namespace="${ns}",` +
          `source_workload="productpage",request_protocol="grpc",grpc_response_status="0"})`,
      );
      return (ok[0]?.value ?? 0) > 20;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 500,
      description: 'gRPC calls answered OK through the grpc port',
    },
  );
});

afterAll(async () => {
  await cluster?.stop();
});

describe('gRPC canaries', () => {
  it('rolls back a gRPC canary whose calls fail with HTTP 200 (exit 3)', async () => {
    await deployQuietly(cluster, GRPC_BROKEN_IMAGE, ['--header', 'x-release=candidate']);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '10s',
      ...cluster.checkFlags(),
      '--check',
      'success-rate>=99',
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(3);
    const measured = /checks fail: success-rate=(\d+(?:\.\d+)?) \(fail min 99/.exec(result.stdout);
    expect(measured, result.stdout).not.toBeNull();
    // About seven calls in ten succeed.
    expect(Number(measured![1])).toBeLessThan(90);
    expect(result.stdout).toContain('rolling back (checks-failed)');
    expect(result.stdout).toContain('rollback verified: every proxy acked the stable routes');
    expect(result.stdout).toContain('↩ rolled back:');
    expect(result.stderr).toContain('[SWITCHYARD_ROLLED_BACK]');
    expect(result.stderr).toContain('rolled back reviews to blue');
    expect(await cluster.weights()).toEqual({ blue: 100, green: 0 });

    // What Prometheus holds for the candidate: only HTTP 200s, so a rate over response_code
    // alone reads 100%; the failures are in grpc_response_status.
    const responseCodeOnly = await cluster.promQuery(
      `${candidateQuery(',response_code!~"5.*"')} / ${candidateQuery('')} * 100`,
    );
    expect(responseCodeOnly[0]!.value).toBe(100);
    const failed = await cluster.promQuery(
      candidateQuery(',request_protocol="grpc",response_code="200",grpc_response_status="2"'),
    );
    expect(failed[0]!.value).toBeGreaterThan(0);
  });

  it('releases a healthy gRPC canary (exit 0)', async () => {
    await deployQuietly(cluster, GRPC_HEALTHY_IMAGE, ['--header', 'x-release=candidate']);
    const result = await runCli([
      'release',
      'reviews',
      '--steps',
      '50,100',
      '--bake',
      '4s',
      ...cluster.checkFlags(),
      '--check',
      'success-rate>=99',
      ...cluster.cliTarget(),
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/checks pass: success-rate=100 \(pass min 99/);
    expect(result.stdout).toContain('✔ released:');
    expect(await cluster.weights()).toEqual({ blue: 0, green: 100 });
  });
});
