/**
 * The CLI without a cluster: help texts with the exit codes, usage errors (exit 2) in text
 * and JSON, flag syntax problems reported before any connection, environment variables.
 */
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '@switchyard/test-utils';

const NO_CLUSTER = ['--kubeconfig', '/nonexistent/kubeconfig'];

describe('switchyard help and usage', () => {
  it('prints the commands and the exit codes with --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'deploy',
      'release',
      'promote',
      'rollback',
      'status',
      'plan',
      'sim',
      'demo',
    ]) {
      expect(result.stdout).toContain(`switchyard ${command}`);
    }
    expect(result.stdout).toMatch(/Exit codes:/);
    expect(result.stdout).toMatch(/^\s+3\s+checks failed, rolled back/m);
    expect(result.stdout).toMatch(/^\s+7\s+rollback could not be verified/m);
    expect(result.stdout).toContain('SWITCHYARD_');
  });

  it('documents the release flags and exit codes in release --help', async () => {
    const result = await runCli(['release', '--help']);
    expect(result.code).toBe(0);
    for (const flag of [
      '--steps',
      '--bake',
      '--check ',
      '--window',
      '--check-interval',
      '--failure-limit',
      '--sync-timeout',
      '--verify-dataplane',
      '--prometheus-url',
      '--prometheus-service',
      '--strategy',
    ]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toMatch(
      /^\s+5\s+sync failed \(timeout, or a proxy rejected the routes\)/m,
    );
  });

  it('exits 2 for an unknown command or flag, naming it', async () => {
    const unknownCommand = await runCli(['frobnicate']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('frobnicate');
    expect(unknownCommand.stdout).toBe('');

    const unknownFlag = await runCli([
      'deploy',
      'reviews',
      '--image',
      'x:1',
      '--chek',
      'y',
      ...NO_CLUSTER,
    ]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/Unknown argument: chek/);
  });

  it('reports a usage error as the final JSON object with -o json', async () => {
    const result = await runCli(['-o', 'json', 'deploy', 'reviews', ...NO_CLUSTER]);
    expect(result.code).toBe(2);
    const objects = jsonLines(result);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      operation: 'deploy',
      outcome: 'failed',
      exitCode: 2,
      error: { code: 'SWITCHYARD_INVALID_USAGE' },
    });
    expect(objects[0]?.error.message).toContain('image');
  });

  it('refuses malformed --check, --header and --steps before connecting to a cluster', async () => {
    const check = await runCli([
      'release',
      'reviews',
      '--check',
      'success-rate>>99',
      ...NO_CLUSTER,
    ]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('--check "success-rate>>99"');
    expect(check.stderr).not.toContain('kubeconfig');

    const threshold = await runCli([
      'release',
      'reviews',
      '--check',
      'latency-p99<=fast',
      ...NO_CLUSTER,
    ]);
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toContain('"fast" is not a number');

    const header = await runCli([
      'deploy',
      'reviews',
      '--image',
      'x:1',
      '--header',
      'x-release',
      ...NO_CLUSTER,
    ]);
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('--header "x-release": expected NAME=VALUE');

    const steps = await runCli(['release', 'reviews', '--steps', '10,half,100', ...NO_CLUSTER]);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toContain('"half" is neither a weight');

    const number = await runCli(['release', 'reviews', '--failure-limit', 'two', ...NO_CLUSTER]);
    expect(number.code).toBe(2);
    expect(number.stderr).toContain('--failure-limit "two": expected a number');
  });

  it('reads flags from SWITCHYARD_* variables and ignores ones the command does not take', async () => {
    const result = await runCli(['deploy', 'reviews', '--image', 'x:1'], {
      env: {
        SWITCHYARD_KUBECONFIG: '/nonexistent/from-env',
        SWITCHYARD_OUTPUT: 'json',
        // A spec flag: every command that reads a spec takes it.
        SWITCHYARD_PROMETHEUS_URL: 'http://prometheus:9090',
        // Set pipeline-wide for `status`; `deploy` has no such flag and must not fail on it.
        SWITCHYARD_WATCH: 'true',
      },
    });
    expect(result.code).toBe(2);
    const [final] = jsonLines(result);
    expect(final).toMatchObject({ exitCode: 2, error: { code: 'SWITCHYARD_KUBECONFIG' } });
    expect(final?.error.message).toContain('/nonexistent/from-env');
  });

  it('prints its version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
