/**
 * The operations the crash harness runs, each from the state it starts in: deploy (from
 * the fixture), a canary and a blue/green release (from a deployed candidate), promote and
 * rollback (from a release paused at 50 %). The canary has no bakes and the blue/green
 * preset bakes 1 s (checks are off: a bake only waits), so the bake's own writes are crash
 * points once without doubling every step's.
 */
import { deploy, release, type OperationInput } from '@switchyard/core';
import { GOOD_IMAGE } from '@switchyard/test-utils';
import { SERVICE } from './cluster-state.js';
import type { CrashOperation } from './crash-harness.js';

async function deployed(input: OperationInput): Promise<void> {
  await deploy({ ...input, image: GOOD_IMAGE });
}

async function pausedAtHalf(input: OperationInput): Promise<void> {
  await deployed(input);
  const paused = await release({
    ...input,
    strategy: { steps: [{ weight: 50 }, { pause: true }, { weight: 100 }] },
  });
  if (paused.outcome !== 'paused') throw new Error(`preparing a paused release: ${paused.outcome}`);
}

/** deploy, release (canary and blue/green), promote, rollback. */
export const CRASH_OPERATIONS: readonly CrashOperation[] = [
  { name: 'deploy', id: 'deploy', command: ['deploy', SERVICE, '--image', GOOD_IMAGE] },
  {
    name: 'release (canary)',
    id: 'canary',
    command: ['release', SERVICE, '--steps', '50,100'],
    prepare: deployed,
  },
  {
    name: 'release (blue/green)',
    id: 'bluegreen',
    command: ['release', SERVICE, '--strategy', 'bluegreen', '--mirror', '20', '--bake', '1s'],
    prepare: deployed,
  },
  { name: 'promote', id: 'promote', command: ['promote', SERVICE], prepare: pausedAtHalf },
  { name: 'rollback', id: 'rollback', command: ['rollback', SERVICE], prepare: pausedAtHalf },
];
