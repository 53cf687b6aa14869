/**
 * Failures on the real control plane, through the CLI: a proxy that never acks (stuck in
 * the fleet) times the step out, is named with its istiod, and the release rolls back
 * (exit 5); a proxy whose Envoy rejects the routes (a NACK real istiod records in syncz)
 * fails the gate at once, named with Envoy's message, and rolls back (exit 5); a release
 * killed with SIGKILL in a bake resumes in a new process without applying a step twice,
 * as the API server's own audit log shows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOOD_IMAGE, realNamespace, type RealNamespace } from '@switchyard/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { jsonLines, runCli } from '../cli/run-cli.js';

const info = inject('realTestbed');
let ns: RealNamespace;
const MESSAGE =
  'Proto constraint validation failed (RouteConfigurationValidationError.VirtualHosts[0]: unknown field)';

beforeAll(async () => {
  ns = await realNamespace(info, 'conformance-failures');
});
afterEach(async () => {
  await ns.setProxyOverrides([]);
});
afterAll(async () => {
  await ns?.remove();
});

async function deploy(image: string): Promise<void> {
  const result = await runCli(['deploy', 'reviews', '--image', image, '-q', ...ns.cliTarget()]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

/**
 * The green weights switchyard wrote to this namespace's VirtualService, in order, from the
 * API server's audit log (the test bed records every write to managed objects).
 */
function greenWeightsWritten(): number[] {
  const out: number[] = [];
  for (const line of readFileSync(join(info.dir, 'logs', 'audit.log'), 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as {
      stage: string;
      verb: string;
      objectRef?: { resource?: string; namespace?: string; name?: string };
      responseStatus?: { code?: number };
      responseObject?: {
        spec?: {
          http?: {
            name?: string;
            route?: { destination: { subset: string }; weight?: number }[];
          }[];
        };
      };
      requestObject?: unknown;
    };
    const ref = entry.objectRef;
    if (
      entry.stage !== 'ResponseComplete' ||
      entry.verb !== 'patch' ||
      ref?.resource !== 'virtualservices' ||
      ref.namespace !== ns.namespace ||
      ref.name !== 'reviews' ||
      entry.responseStatus?.code !== 200 ||
      !Array.isArray(entry.requestObject) ||
      !(entry.requestObject as { op: string; path: string }[]).some(
        (op) => op.op === 'replace' && op.path.endsWith('/weight'),
      )
    ) {
      continue;
    }
    const primary = entry.responseObject?.spec?.http?.find((r) => r.name === 'primary');
    const green = primary?.route?.find((d) => d.destination.subset === 'green')?.weight ?? 0;
    out.push(green);
  }
  return out;
}

/**
 * A canary with bakes judged through Prometheus' in-cluster Service (port-forward to its
 * pod, as from outside a cluster).
 */
const RESUMABLE = [
  // The same pipeline run re-running its step: the lock is its own.
  '--holder',
  'gitlab:shop/pipelines/991',
  '--steps',
  '10,25,50,100',
  '--bake',
  '5s',
  '--prometheus-service',
  'istio-system/prometheus:9090',
  '--scrape-interval',
  '1s',
  '--window',
  '6s',
  '--check-interval',
  '2s',
  '--check',
  'success-rate>=99',
];

describe('failures on real istiod', () => {
  it('a proxy that never acks times the step out, named, and the release rolls back (exit 5)', async () => {
    await deploy(GOOD_IMAGE);
    await ns.setProxyOverrides([{ match: { workload: 'productpage' }, stuck: true }]);
    let released = false;
    const result = await runCli(
      ['release', 'reviews', '--steps', '50,100', '--sync-timeout', '8s', ...ns.cliTarget()],
      {
        onLine: (line) => {
          // The step has timed out; the proxy recovers so the rollback can be confirmed.
          if (!released && line.includes('rolling back (sync-timeout)')) {
            released = true;
            void ns.setProxyOverrides([]);
          }
        },
      },
    );
    expect(released).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    // Each message carries the other stream, so a failure shows the whole run.
    expect(result.stdout, result.stderr).toMatch(/waiting for productpage-\S+/);
    expect(result.stdout, result.stderr).toMatch(
      /proxy productpage-\S+ \(istiod istiod-\S+\) STALE/,
    );
    expect(result.stdout, result.stderr).toContain('rollback verified');
    expect(result.stderr, result.stdout).toMatch(
      /proxies did not ack weights blue 50 \/ green 50 within 8s/,
    );
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('a proxy whose Envoy rejects the routes fails the gate at once, named with its message (exit 5)', async () => {
    await deploy(`${GOOD_IMAGE}-rc2`);
    await ns.setProxyOverrides([{ match: { workload: 'productpage' }, reject: MESSAGE }]);
    let lifted = false;
    const result = await runCli(
      [
        'release',
        'reviews',
        '--steps',
        '50,100',
        '--sync-timeout',
        '10m',
        '-o',
        'json',
        ...ns.cliTarget(),
      ],
      {
        onLine: (line) => {
          if (!lifted && line.includes('"type":"rollback-started"')) {
            lifted = true;
            void ns.setProxyOverrides([]);
          }
        },
      },
    );
    expect(lifted).toBe(true);
    expect(result.code, result.stdout + result.stderr).toBe(5);
    const started = jsonLines(result).find((o) => o.type === 'rollback-started');
    expect(started).toMatchObject({ reason: 'config-rejected' });
    expect(String(started?.message)).toMatch(
      /^proxy productpage-\S+ \(istiod istiod-\S+\) rejected the new routes: Proto constraint validation failed/,
    );
    expect(jsonLines(result).at(-1)).toMatchObject({
      rollback: { reason: 'config-rejected', verified: true },
      exitCode: 5,
    });
    expect(await ns.weights()).toEqual({ blue: 100, green: 0 });
  });

  it('a release killed with SIGKILL in a bake resumes without applying a step twice', async () => {
    await deploy(`${GOOD_IMAGE}-rc3`);
    const before = greenWeightsWritten().length;
    let bakes = 0;
    const first = await runCli(
      ['release', 'reviews', ...RESUMABLE, '-o', 'json', ...ns.cliTarget()],
      {
        onLine: (line, child) => {
          if (line.includes('"type":"bake-started"') && ++bakes === 2) child.kill('SIGKILL');
        },
      },
    );
    expect(first.code).toBeNull();
    expect(greenWeightsWritten().slice(before)).toEqual([10, 25]);
    const record = JSON.parse(
      (await ns.virtualService()).metadata.annotations?.['switchyard.dev/release'] ?? '{}',
    ) as { phase: string; operation: { stage: string } };
    expect(record).toMatchObject({ phase: 'releasing', operation: { stage: 'baking' } });

    const second = await runCli([
      'release',
      'reviews',
      ...RESUMABLE,
      '-o',
      'json',
      ...ns.cliTarget(),
    ]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const events = jsonLines(second);
    expect(events.find((e) => e.type === 'operation-started')).toMatchObject({ resumed: true });
    const types = events.map((e) => String(e.type));
    // The resumed run re-gated the interrupted step on real istiod before baking on.
    expect(types.indexOf('sync-completed')).toBeLessThan(types.indexOf('bake-started'));
    expect(events.at(-1)).toMatchObject({ outcome: 'released', resumed: true, exitCode: 0 });
    expect(greenWeightsWritten().slice(before)).toEqual([10, 25, 50, 100]);
    expect(await ns.weights()).toEqual({ blue: 0, green: 100 });
  });
});
