/**
 * `--check TYPE`, `--check TYPE>=N`, `--check TYPE<=N`: a built-in check with an optional
 * threshold. `>=` sets the lower bound (`min`), `<=` the upper one (`max`, or
 * `maxDegradation` for `success-rate-vs-stable`, whose only threshold is an upper bound).
 * Whether the type exists and takes that bound is the spec's call, reported with its path.
 */
import { UsageError } from '@switchyard/core/errors';
import { builtinCheckType, type CheckSpec } from '@switchyard/core';

const CHECK = /^\s*([A-Za-z0-9][\w-]*)\s*(?:(>=|<=)\s*(\S+)\s*)?$/;

/** Parses one `--check` value. */
export function parseCheckFlag(value: string): CheckSpec {
  const match = CHECK.exec(value);
  if (!match) {
    throw new UsageError(
      `--check "${value}": expected TYPE, TYPE>=NUMBER or TYPE<=NUMBER (e.g. --check success-rate>=99 --check latency-p99<=500)`,
    );
  }
  const [, type = '', operator, threshold] = match;
  if (operator === undefined) return { type } as CheckSpec;
  // Units are the check's own (%, ms, percentage points); writing them is allowed.
  const number = Number(threshold?.replace(/(%|ms|pp)$/, ''));
  if (threshold === undefined || threshold.trim() === '' || !Number.isFinite(number)) {
    throw new UsageError(`--check "${value}": the threshold "${threshold ?? ''}" is not a number`);
  }
  const upper =
    builtinCheckType(type)?.thresholdField === 'maxDegradation' ? 'maxDegradation' : 'max';
  // The spec validates the pairing of type and bound and reports it by path.
  return { type, [operator === '>=' ? 'min' : upper]: number } as CheckSpec;
}
