/**
 * `switchyard doctor` through the built binary: a table grouped by severity, exit 0 on the
 * healthy service and 2 when a finding is an error; `-o json` lists every finding with its
 * id, severity, object, field, message and fix; `--skip-check` leaves a check out and says
 * so. deploy refuses on the same error (exit 2, SWITCHYARD_PREFLIGHT_FAILED) with the
 * cluster unchanged.
 */
import {
  GOOD_IMAGE,
  startTestbed,
  waitForServiceRequests,
  type Testbed,
} from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './run-cli.js';

let bed: Testbed;
let kubeconfig: string[];
let cluster: string[];

async function namePort(name: string): Promise<void> {
  await bed.kubectl([
    '-n',
    'bookinfo',
    'patch',
    'service',
    'reviews',
    '--type=json',
    '-p',
    JSON.stringify([{ op: 'replace', path: '/spec/ports/0/name', value: name }]),
  ]);
}

beforeAll(async () => {
  bed = await startTestbed({ prometheus: true });
  kubeconfig = ['--kubeconfig', bed.sim.kubeconfigPath];
  cluster = [...kubeconfig, '--prometheus-url', bed.sim.prometheusUrl as string];
  await waitForServiceRequests(bed, 'reviews');
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

describe('switchyard doctor', () => {
  it('prints no error on the healthy service and exits 0', async () => {
    const result = await runCli(['doctor', 'reviews', ...cluster]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.lines[0]).toBe(
      'doctor bookinfo/reviews: 15 checks, 0 errors, 0 warnings, 1 info',
    );
    expect(result.stdout).toContain('INFO (1)');
    expect(result.stdout).not.toContain('ERRORS');
  });

  it('groups an error under ERRORS with its object, field and fix, and exits 2', async () => {
    await namePort('tcp');
    try {
      const result = await runCli(['doctor', 'reviews', ...cluster]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.lines[0]).toMatch(/^doctor bookinfo\/reviews: 15 checks, 1 error, /);
      const errors = result.lines.indexOf('ERRORS (1)');
      expect(errors).toBeGreaterThan(0);
      expect(result.lines[errors + 1]).toMatch(
        /^ {2}port-protocol +Service bookinfo\/reviews spec\.ports\[0\]\.name$/,
      );
      expect(result.lines[errors + 2]).toContain('port 9080 ("tcp") resolves to TCP');
      expect(result.lines[errors + 3]).toMatch(/^ +fix: name the port "http"/);

      const json = await runCli(['doctor', 'reviews', '-o', 'json', ...cluster]);
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
        object: { kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
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
        ...cluster,
      ]);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stdout).toContain('skipped port-protocol (--skip-check)');
      expect(skipped.stdout).not.toContain('ERRORS');
    } finally {
      await namePort('http');
    }
  });

  it('refuses an unknown check id (exit 2)', async () => {
    const result = await runCli(['doctor', 'reviews', '--skip-check', 'port-protocl', ...cluster]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--skip-check "port-protocl": no such check; did you mean "port-protocol"?',
    );
  });

  it('makes deploy refuse on the same error, before changing anything (exit 2)', async () => {
    await namePort('tcp');
    try {
      const before = await bed.kubectl([
        '-n',
        'bookinfo',
        'get',
        'virtualservice,destinationrule,deployment,lease',
        '-o',
        'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}',
      ]);
      const result = await runCli(['deploy', 'reviews', '--image', GOOD_IMAGE, ...kubeconfig]);
      expect(result.code, result.stdout).toBe(2);
      expect(result.stderr).toContain('[SWITCHYARD_PREFLIGHT_FAILED]');
      expect(result.stderr).toContain(
        '[port-protocol] Service bookinfo/reviews spec.ports[0].name',
      );
      expect(result.stderr).toMatch(/fix: name the port "http"/);
      const after = await bed.kubectl([
        '-n',
        'bookinfo',
        'get',
        'virtualservice,destinationrule,deployment,lease',
        '-o',
        'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion} {end}',
      ]);
      expect(after).toBe(before);
      expect(after).not.toContain('Lease/');
    } finally {
      await namePort('http');
    }
  });
});
