import { UsageError } from '@switchyard/core/errors';
import { describe, expect, it } from 'vitest';
import { simulatorMissingMessage, withSimulator } from './simulator-package.js';

/** The error Node throws for an import of a package that is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/x.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('withSimulator', () => {
  it('says what to install when the simulator package is missing', async () => {
    const missing = notFound('@switchyard/sim');
    const failure = withSimulator('demo', () => Promise.reject(missing));
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringContaining('switchyard demo runs on the simulator'),
      cause: missing,
    });
  });

  it('passes any other failure on as it is', async () => {
    const other = notFound('ws');
    await expect(withSimulator('sim', () => Promise.reject(other))).rejects.toBe(other);
    await expect(withSimulator('sim', () => Promise.resolve(42))).resolves.toBe(42);
  });
});

describe('simulatorMissingMessage', () => {
  it('names the version of the peer dependency when packed', () => {
    expect(simulatorMissingMessage('sim', '0.1.0')).toBe(
      'switchyard sim runs on the simulator, and @switchyard/sim is not installed (the CLI does not need it for anything else). Install it beside @switchyard/cli: npm install @switchyard/sim@0.1.0 (add --global if the CLI was installed with --global)',
    );
    expect(simulatorMissingMessage('demo', undefined)).toContain('npm install @switchyard/sim (');
  });
});
