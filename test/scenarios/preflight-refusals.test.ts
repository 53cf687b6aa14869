/**
 * `switchyard doctor` through the built binary, and the same checks run first by deploy and
 * release. doctor prints a table grouped by severity, exits 0 on the healthy service and 2
 * when a finding is an error; `-o json` lists every finding with its id, severity, object,
 * field, message and fix; `--skip-check` leaves a check out and says so. deploy and release
 * refuse on an error finding (exit 2, SWITCHYARD_PREFLIGHT_FAILED; PreflightFailedError
 * through the library) before any lock or write; warnings and skipped checks arrive as
 * `warning` events right after `operation-started` (an operation's events begin with it),
 * and the operation goes on. deploy refuses the same way onto an idle slot a user's route
 * still reaches (preflight `idle-slot-traffic`, naming the route) unless
 * `--allow-idle-slot-traffic` / `deploy.allowIdleSlotTraffic`.
 */
import {
  deploy,
  release,
  rollback,
  type OperationInput,
  type ReleaseEvent,
} from '@switchyard/core';
import { PreflightFailedError } from '@switchyard/core/errors';
import { GOOD_IMAGE, jsonLines, runCli, type Cluster } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIRTUAL_SERVICE_CHECKS } from './check-fixtures.js';
import { scenarioNeeding, startScenarioCluster } from './scenario-cluster.js';

let cluster: Cluster;
let ns: string;
let base: OperationInput;
let doctorTarget: string[];

/** Every managed kind's objects of the namespace, each with its resourceVersion. */
function everyObject(): Promise<string> {
  return cluster.kubectl([
    '-n',
    ns,
    'get',
    'virtualservice,destinationrule,deployment,lease',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}',
  ]);
}

async function namePort(name: string): Promise<void> {
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'service',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/ports/0/name', value: name }]),
  ]);
}

/** The subset the managed route gives 0% (the tests before may have released). */
async function idleSubset(): Promise<string> {
  const idle = (await cluster.virtualService()).spec.http
    ?.find((r) => r.name === 'primary')
    ?.route?.find((entry) => entry.weight === 0)?.destination.subset;
  expect(idle).toBeDefined();
  return idle as string;
}

/** A user's own route, first in the VirtualService, sending jason to the idle slot. */
async function addJasonRoute(idle: string): Promise<void> {
  const jason = {
    name: 'jason',
    match: [{ headers: { 'end-user': { exact: 'jason' } } }],
    route: [{ destination: { host: 'reviews', subset: idle } }],
  };
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'virtualservice',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'add', path: '/spec/http/0', value: jason }]),
  ]);
}

async function removeJasonRoute(): Promise<void> {
  await cluster.kubectl([
    '-n',
    ns,
    'patch',
    'virtualservice',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'remove', path: '/spec/http/0' }]),
  ]);
}

beforeAll(async () => {
  cluster = await startScenarioCluster('preflight-refusals', { prometheus: true });
  ns = cluster.namespace;
  base = cluster.operationOptions('preflight-refusals', { checks: { items: [] } });
  doctorTarget = [...cluster.cliTarget(), '--prometheus-url', cluster.prometheusUrl ?? ''];
  // The sidecars' own reports of reviews' traffic, what prometheus-data looks for.
  await cluster.settle();
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('switchyard doctor', () => {
  it('prints no error on the healthy service and exits 0', async () => {
    const result = await runCli(['doctor', 'reviews', ...doctorTarget]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.lines[0]).toMatch(
      new RegExp(`^doctor ${ns}/reviews: ${VIRTUAL_SERVICE_CHECKS.length} checks, 0 errors, `),
    );
    expect(result.stdout).not.toContain('ERRORS');
  });

  scenarioNeeding(
    ['gatewayProxies'],
    'prints no warning either, the idle slot as the one info',
    async () => {
      const result = await runCli(['doctor', 'reviews', ...doctorTarget]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.lines[0]).toBe(
        `doctor ${ns}/reviews: ${VIRTUAL_SERVICE_CHECKS.length} checks, 0 errors, 0 warnings, 1 info`,
      );
      expect(result.stdout).toContain('INFO (1)');
    },
  );

  it('groups an error under ERRORS with its object, field and fix, and exits 2', async () => {
    await namePort('tcp');
    try {
      const result = await runCli(['doctor', 'reviews', ...doctorTarget]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.lines[0]).toMatch(
        new RegExp(`^doctor ${ns}/reviews: ${VIRTUAL_SERVICE_CHECKS.length} checks, 1 error, `),
      );
      const errors = result.lines.indexOf('ERRORS (1)');
      expect(errors).toBeGreaterThan(0);
      expect(result.lines[errors + 1]).toMatch(
        new RegExp(`^ {2}port-protocol +Service ${ns}/reviews spec\\.ports\\[0\\]\\.name$`),
      );
      expect(result.lines[errors + 2]).toContain('port 9080 ("tcp") resolves to TCP');
      expect(result.lines[errors + 3]).toMatch(/^ +fix: name the port "http"/);

      const json = await runCli(['doctor', 'reviews', '-o', 'json', ...doctorTarget]);
      expect(json.code).toBe(2);
      const [report] = jsonLines(json);
      expect(report).toMatchObject({
        command: 'doctor',
        service: 'reviews',
        errors: 1,
        exitCode: 2,
      });
      const findings = (report as { findings: Record<string, unknown>[] }).findings;
      expect(findings[0]).toEqual({
        id: 'port-protocol',
        severity: 'error',
        object: { kind: 'Service', namespace: ns, name: 'reviews' },
        field: 'spec.ports[0].name',
        message: expect.stringContaining('resolves to TCP') as string,
        fix: expect.stringContaining('appProtocol: http') as string,
      });
      for (const finding of findings)
        expect(Object.keys(finding).sort()).toEqual([
          'field',
          'fix',
          'id',
          'message',
          'object',
          'severity',
        ]);

      const skipped = await runCli([
        'doctor',
        'reviews',
        '--skip-check',
        'port-protocol',
        ...doctorTarget,
      ]);
      expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
      expect(skipped.stdout).toContain('skipped port-protocol (--skip-check)');
      expect(skipped.stdout).not.toContain('ERRORS');
    } finally {
      await namePort('http');
    }
  });

  it('refuses an unknown check id (exit 2)', async () => {
    const result = await runCli([
      'doctor',
      'reviews',
      '--skip-check',
      'port-protocl',
      ...doctorTarget,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--skip-check "port-protocl": no such check; did you mean "port-protocol"?',
    );
  });
});

describe('preflight before deploy and release', () => {
  it('refuses a deploy and a release on an error finding, before any lock or write (exit 2)', async () => {
    await namePort('tcp');
    try {
      const before = await cluster.snapshot();
      const everyBefore = await everyObject();
      expect(before.lease).toBe(false);

      const result = await runCli([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        ...cluster.cliTarget(),
      ]);
      expect(result.code, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toContain('[SWITCHYARD_PREFLIGHT_FAILED]');
      expect(result.stderr).toContain(`[port-protocol] Service ${ns}/reviews spec.ports[0].name`);
      expect(result.stderr).toMatch(/fix: name the port "http"/);
      expect(await cluster.snapshot()).toEqual(before);
      expect(await everyObject()).toBe(everyBefore);
      expect(everyBefore).not.toContain('Lease/');

      // The library refuses the same way, with the findings, before the operation starts.
      const events: ReleaseEvent[] = [];
      const error = await deploy({
        ...base,
        image: GOOD_IMAGE,
        onEvent: (e) => events.push(e),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreflightFailedError);
      const failed = error as PreflightFailedError;
      expect(failed.code).toBe('SWITCHYARD_PREFLIGHT_FAILED');
      expect(failed.findings).toEqual([
        expect.objectContaining({
          id: 'port-protocol',
          severity: 'error',
          object: { kind: 'Service', namespace: ns, name: 'reviews' },
          field: 'spec.ports[0].name',
        }),
      ]);
      expect(failed.message).toContain(`[port-protocol] Service ${ns}/reviews spec.ports[0].name`);
      expect(events.some((e) => e.type === 'operation-started')).toBe(false);
      expect(await cluster.snapshot()).toEqual(before);
      // release refuses the same way.
      await expect(release(base)).rejects.toBeInstanceOf(PreflightFailedError);
      expect(await cluster.snapshot()).toEqual(before);
      expect(await everyObject()).toBe(everyBefore);
    } finally {
      await namePort('http');
    }
  });

  it("refuses a deploy onto the idle slot a user's route still reaches (exit 2, nothing changed), doctor lists it under ERRORS; --allow-idle-slot-traffic deploys", async () => {
    const idle = await idleSubset();
    await addJasonRoute(idle);
    try {
      const report = await runCli(['doctor', 'reviews', ...doctorTarget]);
      expect(report.code, report.stdout + report.stderr).toBe(2);
      const errors = report.lines.indexOf('ERRORS (1)');
      expect(errors).toBeGreaterThan(0);
      expect(report.lines[errors + 1]).toMatch(
        new RegExp(
          `^ {2}idle-slot-traffic +VirtualService ${ns}/reviews spec\\.http\\[0\\]\\.route\\[0\\]\\.destination$`,
        ),
      );

      const before = await cluster.snapshot();
      const everyBefore = await everyObject();
      expect(before.lease).toBe(false);
      const refused = await runCli([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        ...cluster.cliTarget(),
      ]);
      expect(refused.code, refused.stdout + refused.stderr).toBe(2);
      expect(refused.stderr).toContain('[SWITCHYARD_PREFLIGHT_FAILED]');
      expect(refused.stderr).toContain(
        `[idle-slot-traffic] VirtualService ${ns}/reviews spec.http[0].route[0].destination: http[0] "jason" sends requests`,
      );
      expect(refused.stderr).toContain(
        `to reviews subset "${idle}", which reaches the pods of the idle ${idle} slot`,
      );
      expect(refused.stderr).toContain('--allow-idle-slot-traffic');
      expect(await cluster.snapshot()).toEqual(before);
      expect(await everyObject()).toBe(everyBefore);
      expect(everyBefore).not.toContain('Lease/');

      const allowed = await runCli([
        'deploy',
        'reviews',
        '--image',
        GOOD_IMAGE,
        '--allow-idle-slot-traffic',
        ...cluster.cliTarget(),
      ]);
      expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
      expect(allowed.stdout).toContain('deploy.allowIdleSlotTraffic is set: deploying anyway');
      expect(await cluster.imageOf(`reviews-${idle}`)).toBe(GOOD_IMAGE);
    } finally {
      await removeJasonRoute();
    }
    // Back to the healthy service: the candidate forgotten by a rollback.
    await rollback(base);
  });

  it('prints warnings as events and goes on', async () => {
    await namePort('web');
    const events: ReleaseEvent[] = [];
    const summary = await deploy({ ...base, image: GOOD_IMAGE, onEvent: (e) => events.push(e) });
    expect(summary.outcome).toBe('deployed');
    expect(events[0]?.type).toBe('operation-started');
    // The preflight's warnings follow it at once, before anything the operation did.
    const afterWarnings = events.findIndex((e, index) => index > 0 && e.type !== 'warning');
    const warnings = events
      .slice(1, afterWarnings)
      .filter((e): e is Extract<ReleaseEvent, { type: 'warning' }> => e.type === 'warning');
    // A proxy may still be catching up with the Service change (a proxy-sync warning too).
    expect(warnings.every((w) => w.message.startsWith('preflight'))).toBe(true);
    expect(
      warnings.map((w) => w.message).filter((m) => m.startsWith('preflight port-protocol')),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          `^preflight port-protocol: Service ${ns}/reviews spec\\.ports\\[0\\]\\.name: port 9080 \\("web"\\) does not name its protocol.*\\(fix: name the port "http"`,
        ),
      ),
    ]);
  });

  it('prints a skipped check instead of its findings', async () => {
    const events: ReleaseEvent[] = [];
    const summary = await release({
      ...base,
      strategy: { steps: [{ weight: 100 }] },
      skipChecks: ['port-protocol'],
      onEvent: (e) => events.push(e),
    });
    expect(summary.outcome).toBe('released');
    const messages = events
      .filter((e): e is Extract<ReleaseEvent, { type: 'warning' }> => e.type === 'warning')
      .map((e) => e.message);
    expect(messages).toContain('preflight: skipped check port-protocol (--skip-check)');
    expect(messages.some((m) => m.startsWith('preflight port-protocol'))).toBe(false);
    await namePort('http');
  });

  it("refuses a deploy through the library onto the idle slot a user's route still reaches, naming it; deploys when allowed", async () => {
    const idle = await idleSubset();
    await addJasonRoute(idle);
    try {
      const before = await everyObject();
      const error = await deploy({ ...base, image: GOOD_IMAGE }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreflightFailedError);
      expect((error as PreflightFailedError).findings).toEqual([
        expect.objectContaining({
          id: 'idle-slot-traffic',
          object: { kind: 'VirtualService', namespace: ns, name: 'reviews' },
          field: 'spec.http[0].route[0].destination',
        }),
      ]);
      expect((error as Error).message).toContain(
        `http[0] "jason" sends requests (through sidecars, Gateway ${ns}/bookinfo-gateway) to reviews subset "${idle}", which reaches the pods of the idle ${idle} slot`,
      );
      // Nothing changed: the Lease (left free by the earlier operations) not taken either.
      expect(await everyObject()).toEqual(before);
      // Opting in deploys, with the finding as a warning.
      const events: ReleaseEvent[] = [];
      const summary = await deploy({
        ...base,
        image: GOOD_IMAGE,
        deploy: { allowIdleSlotTraffic: true },
        onEvent: (e) => events.push(e),
      });
      expect(summary.outcome).toBe('deployed');
      expect(
        events.some(
          (e) =>
            e.type === 'warning' &&
            e.message.startsWith(`preflight idle-slot-traffic: VirtualService ${ns}/reviews`),
        ),
      ).toBe(true);
    } finally {
      await removeJasonRoute();
    }
    await rollback(base);
  });
});
