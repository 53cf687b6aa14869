import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { status } from './__fixtures__/fake-api-server.js';
import {
  classifyKubeFailure,
  parseRetryAfter,
  RequestAbortedError,
  RequestTimeoutError,
} from './kube-failure.js';
import {
  backoffDelay,
  newRetryState,
  resolveRetryOptions,
  retryVerdict,
  runWithRetries,
  type RetryOptions,
} from './retry.js';

function httpError(
  code: number,
  reason: string,
  headers: Record<string, string> = {},
): ApiException<string> {
  return new ApiException(
    code,
    'Unsuccessful HTTP Request',
    JSON.stringify(status(code, reason, `${reason} happened`)),
    headers,
  );
}

function systemError(code: string, message = `connect ${code} 127.0.0.1:6443`): Error {
  return Object.assign(
    new Error(`request to https://127.0.0.1:6443/api failed, reason: ${message}`),
    { name: 'FetchError', code, type: 'system' },
  );
}

/** A virtual clock: sleeping advances it, so budgets are tested without waiting. */
function virtualTime(extra: RetryOptions = {}) {
  let now = 0;
  const sleeps: number[] = [];
  const retry = resolveRetryOptions({
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    random: () => 0.5,
    ...extra,
  });
  return {
    retry,
    sleeps,
    advance: (ms: number) => (now += ms),
    get now() {
      return now;
    },
  };
}

/** Fails with each of `failures` in turn, then succeeds; counts attempts. */
function scripted(failures: Error[], onAttempt?: () => void) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    run: () => {
      calls += 1;
      onAttempt?.();
      const failure = failures[calls - 1];
      return failure === undefined ? Promise.resolve('ok') : Promise.reject(failure);
    },
  };
}

describe('retry classification', () => {
  test('429 is retried and never counts as applied; Retry-After is read from the header', () => {
    const verdict = retryVerdict(
      classifyKubeFailure(httpError(429, 'TooManyRequests', { 'retry-after': '3' })),
      false,
    );
    expect(verdict).toMatchObject({ retryable: true, mayHaveLanded: false, retryAfterMs: 3000 });
  });

  test('5xx is retried when repeating is safe, and may have landed', () => {
    for (const code of [500, 502, 503, 504]) {
      expect(
        retryVerdict(classifyKubeFailure(httpError(code, 'InternalError')), true),
      ).toMatchObject({ retryable: true, mayHaveLanded: true });
      expect(
        retryVerdict(classifyKubeFailure(httpError(code, 'InternalError')), false).retryable,
      ).toBe(false);
    }
    expect(
      retryVerdict(classifyKubeFailure(httpError(501, 'NotImplemented')), true).retryable,
    ).toBe(false);
  });

  test('other 4xx are never retried', () => {
    for (const [code, reason] of [
      [400, 'BadRequest'],
      [401, 'Unauthorized'],
      [403, 'Forbidden'],
      [404, 'NotFound'],
      [409, 'Conflict'],
      [422, 'Invalid'],
    ] as const) {
      expect(retryVerdict(classifyKubeFailure(httpError(code, reason)), true).retryable).toBe(
        false,
      );
    }
  });

  test('network errors: refused is retried even when unsafe; reset, hang-up and timeouts only when safe; TLS never', () => {
    expect(retryVerdict(classifyKubeFailure(systemError('ECONNREFUSED')), false)).toMatchObject({
      retryable: true,
      mayHaveLanded: false,
    });
    expect(
      retryVerdict(classifyKubeFailure(systemError('ECONNRESET', 'socket hang up')), false),
    ).toMatchObject({ retryable: false, mayHaveLanded: true });
    expect(
      retryVerdict(classifyKubeFailure(systemError('ECONNRESET', 'socket hang up')), true)
        .retryable,
    ).toBe(true);
    expect(retryVerdict(classifyKubeFailure(new RequestTimeoutError(100)), true)).toMatchObject({
      retryable: true,
      mayHaveLanded: true,
    });
    expect(retryVerdict(classifyKubeFailure(new Error('socket hang up')), true).retryable).toBe(
      true,
    );
    expect(
      retryVerdict(classifyKubeFailure(systemError('DEPTH_ZERO_SELF_SIGNED_CERT')), true).retryable,
    ).toBe(false);
  });

  test('parseRetryAfter reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(
      parseRetryAfter('Sat, 21 Nov 2026 10:00:05 GMT', Date.parse('Sat, 21 Nov 2026 10:00:00 GMT')),
    ).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  test('backoff grows exponentially with jitter and stays under the cap', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, { ...options, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...options, random: () => 0.999 })).toBe(100);
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(300);
    expect(backoffDelay(10, { ...options, random: () => 0.999 })).toBeLessThanOrEqual(1000);
  });
});

describe('runWithRetries', () => {
  test('waits at least Retry-After after a 429, then succeeds', async () => {
    const time = virtualTime();
    const op = scripted([httpError(429, 'TooManyRequests', { 'retry-after': '3' })]);
    await expect(runWithRetries(op.run, { retry: time.retry, retrySafe: false })).resolves.toBe(
      'ok',
    );
    expect(op.calls).toBe(2);
    expect(time.sleeps).toHaveLength(1);
    expect(time.sleeps[0]).toBeGreaterThanOrEqual(3000);
  });

  test('caps a long Retry-After', async () => {
    const time = virtualTime({ maxRetryAfterMs: 2000 });
    const op = scripted([httpError(429, 'TooManyRequests', { 'retry-after': '120' })]);
    await runWithRetries(op.run, { retry: time.retry, retrySafe: true });
    expect(time.sleeps).toEqual([2000]);
  });

  test('retries 500s with growing waits until success', async () => {
    const time = virtualTime();
    const op = scripted([
      httpError(500, 'InternalError'),
      httpError(500, 'InternalError'),
      httpError(503, 'ServiceUnavailable'),
    ]);
    await expect(runWithRetries(op.run, { retry: time.retry, retrySafe: true })).resolves.toBe(
      'ok',
    );
    expect(op.calls).toBe(4);
    expect(time.sleeps).toEqual([188, 375, 750]);
  });

  test('does not retry 404, 403 or 400', async () => {
    for (const [code, reason] of [
      [404, 'NotFound'],
      [403, 'Forbidden'],
      [400, 'BadRequest'],
    ] as const) {
      const time = virtualTime();
      const state = newRetryState();
      const op = scripted([httpError(code, reason)]);
      await expect(
        runWithRetries(op.run, { retry: time.retry, retrySafe: true, state }),
      ).rejects.toMatchObject({ code });
      expect(op.calls).toBe(1);
      expect(state.stoppedBy).toBe('not-retryable');
      expect(time.sleeps).toEqual([]);
    }
  });

  test('stops within the total time budget when the server keeps failing', async () => {
    const time = virtualTime({ maxRetryTimeMs: 5000, requestTimeoutMs: 2000, maxAttempts: 100 });
    const state = newRetryState();
    const timeouts: number[] = [];
    // Each attempt takes its whole timeout before failing, as a hung server would.
    const attempt = ({ timeoutMs }: { timeoutMs: number }) => {
      timeouts.push(timeoutMs);
      time.advance(timeoutMs);
      return Promise.reject(httpError(503, 'ServiceUnavailable'));
    };
    await expect(
      runWithRetries(attempt, { retry: time.retry, retrySafe: true, state }),
    ).rejects.toMatchObject({ code: 503 });
    expect(state.stoppedBy).toBe('budget');
    expect(state.elapsedMs).toBeLessThanOrEqual(5000);
    expect(timeouts.every((t) => t <= 2000)).toBe(true);
    expect(state.attempts).toBeGreaterThan(1);
  });

  test('stops after maxAttempts', async () => {
    const time = virtualTime({ maxAttempts: 3 });
    const state = newRetryState();
    const op = scripted(Array.from({ length: 10 }, () => httpError(500, 'InternalError')));
    await expect(
      runWithRetries(op.run, { retry: time.retry, retrySafe: true, state }),
    ).rejects.toMatchObject({ code: 500 });
    expect(op.calls).toBe(3);
    expect(state.stoppedBy).toBe('attempts');
  });

  test('an unsafe write is not repeated after a failure that may have landed, but is after a refused connection', async () => {
    const time = virtualTime();
    const state = newRetryState();
    const reset = scripted([systemError('ECONNRESET', 'socket hang up')]);
    await expect(
      runWithRetries(reset.run, { retry: time.retry, retrySafe: false, state }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(reset.calls).toBe(1);
    expect(state).toMatchObject({ stoppedBy: 'unsafe-to-repeat', mayHaveLanded: true });

    const refused = scripted([systemError('ECONNREFUSED')]);
    await expect(
      runWithRetries(refused.run, { retry: time.retry, retrySafe: false }),
    ).resolves.toBe('ok');
    expect(refused.calls).toBe(2);
  });

  test('records that a retried attempt may have landed', async () => {
    const time = virtualTime();
    const state = newRetryState();
    const op = scripted([systemError('ECONNRESET', 'socket hang up')]);
    await runWithRetries(op.run, { retry: time.retry, retrySafe: true, state });
    expect(state).toMatchObject({ attempts: 2, mayHaveLanded: true });
  });

  test('the caller aborting stops the wait between attempts', async () => {
    const controller = new AbortController();
    const retry = resolveRetryOptions({
      initialDelayMs: 60_000,
      maxDelayMs: 60_000,
      maxRetryTimeMs: 600_000,
    });
    const op = scripted(
      [httpError(503, 'ServiceUnavailable'), httpError(503, 'ServiceUnavailable')],
      () => {
        if (op.calls === 1) setTimeout(() => controller.abort(), 10);
      },
    );
    await expect(
      runWithRetries(op.run, { retry, retrySafe: true, signal: controller.signal }),
    ).rejects.toBeInstanceOf(RequestAbortedError);
    expect(op.calls).toBe(1);
  });
});
