import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { kubeconfigSecrets, redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  test('removes known secrets wherever they appear', () => {
    expect(redactSecrets('token=s3cr3t-value and again s3cr3t-value', ['s3cr3t-value'])).toBe(
      'token=[REDACTED] and again [REDACTED]',
    );
  });

  test('removes bearer and basic credentials, authorization headers and JWTs it was not told about', () => {
    const text =
      'headers: {"Authorization":"Bearer abc.def-ghi"} basic: Basic dXNlcjpwYXNz ' +
      'jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
    const out = redactSecrets(text);
    expect(out).not.toContain('abc.def-ghi');
    expect(out).not.toContain('dXNlcjpwYXNz');
    expect(out).not.toContain('eyJzdWIiOiJzeXN0ZW0ifQ');
  });

  test('leaves ordinary text alone and ignores too-short secrets', () => {
    expect(redactSecrets('patch VirtualService bookinfo/reviews: 409 Conflict', ['me'])).toBe(
      'patch VirtualService bookinfo/reviews: 409 Conflict',
    );
  });
});

describe('kubeconfigSecrets', () => {
  test('collects the token, password and token-file content of the current user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redact-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'file-token-123456\n');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://example.invalid', skipTLSVerify: false }],
      users: [
        { name: 'u', token: 'inline-token-123', password: 'hunter22' },
        { name: 'f', authProvider: { name: 'tokenFile', config: { tokenFile } } },
      ],
      contexts: [
        { name: 'inline', cluster: 'c', user: 'u' },
        { name: 'file', cluster: 'c', user: 'f' },
      ],
      currentContext: 'inline',
    });
    expect(kubeconfigSecrets(kc)).toEqual(expect.arrayContaining(['inline-token-123', 'hunter22']));
    kc.setCurrentContext('file');
    expect(kubeconfigSecrets(kc)).toEqual(['file-token-123456']);
  });
});
