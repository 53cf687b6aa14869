/** A kubeconfig for the fake API server: plain HTTP, a bearer token, one context. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes a kubeconfig for the server at `url` to a temp file; returns its path. */
export function writeFakeKubeconfig(
  url: string,
  token: string,
  namespace: string | undefined,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fake-api-'));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fake',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake-user',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: fake-user',
      `    namespace: ${namespace ?? 'default'}`,
      '',
    ].join('\n'),
  );
  return path;
}
