/**
 * deploy and release run the preflight checks first, through the library: an error refuses
 * the operation with PreflightFailedError before any lock or write (every resourceVersion
 * unchanged, no Lease); warnings and skipped checks arrive as `warning` events right after
 * `operation-started` (an operation's events begin with it), and the operation goes on.
 */
import { deploy, release, type OperationInput, type ReleaseEvent } from '@switchyard/core';
import { PreflightFailedError } from '@switchyard/core/errors';
import { GOOD_IMAGE, startTestbed, type Testbed } from '@switchyard/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: Testbed;
let base: OperationInput;

async function resourceVersions(): Promise<Record<string, string | undefined>> {
  const rv = async (kind: string, name: string): Promise<string | undefined> => {
    try {
      const object = await bed.kubectlJson<{ metadata: { resourceVersion: string } }>([
        '-n',
        'bookinfo',
        'get',
        kind,
        name,
      ]);
      return object.metadata.resourceVersion;
    } catch {
      return undefined;
    }
  };
  return {
    virtualService: await rv('virtualservice', 'reviews'),
    destinationRule: await rv('destinationrule', 'reviews'),
    blue: await rv('deployment', 'reviews-blue'),
    green: await rv('deployment', 'reviews-green'),
    lease: await rv('lease', 'switchyard-reviews'),
  };
}

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
  bed = await startTestbed();
  base = bed.operationOptions('preflight-hook', { checks: { items: [] } });
});

afterAll(async () => {
  await bed?.stop();
});

describe('preflight before deploy and release', () => {
  it('refuses a deploy on an error finding and changes nothing', async () => {
    await namePort('tcp');
    const before = await resourceVersions();
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
        object: { kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
        field: 'spec.ports[0].name',
      }),
    ]);
    expect(failed.message).toContain('[port-protocol] Service bookinfo/reviews spec.ports[0].name');
    expect(events.some((e) => e.type === 'operation-started')).toBe(false);
    expect(await resourceVersions()).toEqual(before);
    expect(before.lease).toBeUndefined();
    // release refuses the same way.
    await expect(release(base)).rejects.toBeInstanceOf(PreflightFailedError);
    expect(await resourceVersions()).toEqual(before);
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
        /^preflight port-protocol: Service bookinfo\/reviews spec\.ports\[0\]\.name: port 9080 \("web"\) does not name its protocol.*\(fix: name the port "http"/,
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
});
