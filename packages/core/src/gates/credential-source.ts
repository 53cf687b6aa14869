/**
 * Credentials named in the spec (`tokenFile`, `tokenEnv`, `passwordFile`, ...) are read when
 * a request is about to be sent, never at start-up and never cached: a projected service
 * account token is rotated in place, and a value read once would expire mid-release.
 */
import { readFileSync } from 'node:fs';
import type { CredentialSource } from '../spec/resolved-release-spec.js';

/** A credential could not be read. The message names the file or variable, never a value. */
export class CredentialUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialUnavailableError';
  }
}

/**
 * Reads a credential now: the file's content without its trailing newline, or the
 * environment variable's value.
 *
 * @throws CredentialUnavailableError when the file cannot be read, or the variable is
 *   unset or empty.
 */
export function readCredential(source: CredentialSource): string {
  if ('file' in source) {
    let content: string;
    try {
      content = readFileSync(source.file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      // Only the error code: the message could be anything, and the cause stays out too.
      throw new CredentialUnavailableError(`cannot read credential file ${source.file} (${code})`);
    }
    const value = content.replace(/\r?\n$/, '');
    if (value === '')
      throw new CredentialUnavailableError(`credential file ${source.file} is empty`);
    return value;
  }
  const value = process.env[source.env];
  if (value === undefined || value === '')
    throw new CredentialUnavailableError(`environment variable ${source.env} is not set`);
  return value;
}
