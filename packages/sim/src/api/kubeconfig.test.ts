import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('kubeconfig', () => {
  const options = {
    server: 'https://127.0.0.1:6443',
    caPem: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
    token: 's3cret',
    namespace: 'bookinfo',
  };

  it('carries the CA inline, the token, and a current context with the namespace', () => {
    const config = load(kubeconfigYaml(options)) as any;
    expect(config['current-context']).toBe('switchyard-sim');
    expect(config.clusters[0].cluster.server).toBe('https://127.0.0.1:6443');
    expect(
      Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(
        'utf8',
      ),
    ).toBe(options.caPem);
    expect(config.users[0].user.token).toBe('s3cret');
    expect(config.contexts[0].context).toEqual({
      cluster: 'switchyard-sim',
      user: 'switchyard-sim',
      namespace: 'bookinfo',
    });
  });

  it('writes the file with mode 0600', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    dirs.push(dir);
    const path = join(dir, 'config');
    await writeKubeconfig(path, { ...options, name: 'sim' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const config = load(await readFile(path, 'utf8')) as any;
    expect(config['current-context']).toBe('sim');
  });
});
