import { describe, expect, it } from 'vitest';
import { ApiStatusError } from './api-status.js';
import { jsonSyntaxError } from './json-syntax.js';
import { decodeObjectBody, decodePatchBody } from './request-body.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiStatusError) return `${error.code} ${error.status.message ?? ''}`;
    throw error;
  }
  throw new Error('no error');
}

const body = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('decodePatchBody', () => {
  it('words malformed JSON as the real patch handlers do, by patch type and field validation', () => {
    const broken = body('{');
    // The parser's own reason (JavaScript's wording, not Go's: docs/conformance.md).
    const goError = jsonSyntaxError(broken) as string;
    // Read strictly first (the default, Warn, and Strict): prefixed.
    expect(message(() => decodePatchBody(broken, 'application/merge-patch+json', 'Warn'))).toBe(
      `400 error decoding patch: ${goError}`,
    );
    expect(message(() => decodePatchBody(broken, 'application/json-patch+json', 'Strict'))).toBe(
      `400 error decoding patch: ${goError}`,
    );
    // Ignore: evanphx/json-patch's own errors.
    expect(message(() => decodePatchBody(broken, 'application/merge-patch+json', 'Ignore'))).toBe(
      '400 Invalid JSON Patch',
    );
    expect(message(() => decodePatchBody(broken, 'application/json-patch+json', 'Ignore'))).toBe(
      `400 ${goError}`,
    );
    // Strategic merge patches: Go's bare message whatever the validation.
    expect(
      message(() => decodePatchBody(broken, 'application/strategic-merge-patch+json', 'Warn')),
    ).toBe(`400 ${goError}`);
    expect(
      decodePatchBody(body(' {"a": [1, 2.5]} '), 'application/merge-patch+json', 'Warn'),
    ).toEqual({
      a: [1, 2.5],
    });
  });
});

describe('decodeObjectBody', () => {
  it('prefixes the syntax error with the caller’s context', () => {
    expect(message(() => decodeObjectBody(body('{"a" 1}'), 'application/json', 'ctx: '))).toBe(
      `400 ctx: ${jsonSyntaxError(body('{"a" 1}'))}`,
    );
  });
});
