import {
  ConcurrentEditError,
  ConfigRejectedError,
  InvalidStateError,
  KubeApiError,
  LockHeldError,
  PreflightError,
  PreflightFailedError,
  ReleaseRolledBackError,
  RollbackUnverifiedError,
  RolloutTimeoutError,
  SpecError,
  SyncTimeoutError,
  UsageError,
} from '@switchyard/core/errors';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES_TEXT, ExitCode, exitCodeForError, exitCodeForOutcome } from './exit-codes.js';

const deployment = { kind: 'Deployment', namespace: 'bookinfo', name: 'reviews-green' };

describe('exit codes', () => {
  it.each([
    [new SpecError([{ path: 'service', message: 'required' }]), 2],
    [new UsageError('bad flag'), 2],
    [new PreflightError([{ message: 'no VirtualService' }]), 2],
    [
      new PreflightFailedError([
        {
          id: 'port-protocol',
          severity: 'error',
          object: { kind: 'Service', namespace: 'bookinfo', name: 'reviews' },
          field: 'spec.ports[0].name',
          message: 'port 9080 resolves to TCP',
          fix: 'name the port http',
        },
      ]),
      2,
    ],
    [new InvalidStateError('promote', 'idle', 'nothing to promote'), 2],
    [new ReleaseRolledBackError('checks-failed', 'rolled back', {}), 3],
    [new ReleaseRolledBackError('sync-timeout', 'rolled back', {}), 5],
    [new ReleaseRolledBackError('config-rejected', 'rolled back', {}), 5],
    [new ReleaseRolledBackError('rollout-failed', 'rolled back', {}), 5],
    [new ReleaseRolledBackError('dataplane-mismatch', 'rolled back', {}), 5],
    [new ReleaseRolledBackError('step-error', 'rolled back', {}), 1],
    [new ReleaseRolledBackError('resume-rollback', 'rolled back', {}), 1],
    [new RolloutTimeoutError(deployment, 1000, '1/3 ready'), 5],
    [new SyncTimeoutError({ unsynced: [], synced: 1, total: 2, timeoutMs: 1000 }), 5],
    [new ConfigRejectedError({ rejected: [], unsynced: [], synced: 1, total: 2 }), 5],
    [new LockHeldError({ kind: 'Lease', name: 'switchyard-reviews' }, 'ci', 'later'), 6],
    [new ConcurrentEditError('edited', { reason: 'Conflict', verb: 'patch' }), 6],
    [new RollbackUnverifiedError('unverified', 'blue 100 / green 0', {}), 7],
    [new KubeApiError('boom', { reason: 'InternalError', verb: 'get' }), 1],
    [new Error('unexpected'), 1],
    ['a string', 1],
  ])('maps %s to %i', (error, code) => {
    expect(exitCodeForError(error)).toBe(code);
  });

  it('maps errors by code, even from another copy of the library', () => {
    expect(exitCodeForError({ code: 'SWITCHYARD_LOCKED', message: 'held' })).toBe(6);
    expect(exitCodeForError({ code: 'SWITCHYARD_ROLLED_BACK', reason: 'checks-failed' })).toBe(3);
  });

  it('maps outcomes of operations that returned', () => {
    expect(exitCodeForOutcome('released')).toBe(ExitCode.Done);
    expect(exitCodeForOutcome('deployed')).toBe(ExitCode.Done);
    expect(exitCodeForOutcome('rolled-back')).toBe(ExitCode.Done);
    expect(exitCodeForOutcome('no-op')).toBe(ExitCode.Done);
    expect(exitCodeForOutcome('paused')).toBe(ExitCode.Paused);
  });

  it('documents every code it uses', () => {
    for (const code of new Set(Object.values(ExitCode))) {
      expect(EXIT_CODES_TEXT).toMatch(new RegExp(`(^|\\s)${code}\\s`, 'm'));
    }
  });
});
