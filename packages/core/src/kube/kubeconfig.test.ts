import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { KubeconfigError } from '../errors.js';
import { loadKubeconfig } from './kubeconfig.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
}

interface ContextSpec {
  name: string;
  cluster: string;
  namespace?: string;
}

function kubeconfigYaml(options: {
  current?: string;
  clusters?: { name: string; server: string }[];
  contexts?: ContextSpec[];
  users?: { name: string; token: string }[];
}): string {
  const lines = ['apiVersion: v1', 'kind: Config'];
  if (options.current !== undefined) lines.push(`current-context: ${options.current}`);
  lines.push('clusters:');
  for (const c of options.clusters ?? [])
    lines.push(`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`);
  lines.push('users:');
  for (const u of options.users ?? [{ name: 'admin', token: 'tok-admin-0000' }])
    lines.push(`- name: ${u.name}`, '  user:', `    token: ${u.token}`);
  lines.push('contexts:');
  for (const c of options.contexts ?? []) {
    lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.cluster}`, '    user: admin');
    if (c.namespace) lines.push(`    namespace: ${c.namespace}`);
  }
  return `${lines.join('\n')}\n`;
}

function writeConfig(dir: string, file: string, yaml: string): string {
  const path = join(dir, file);
  writeFileSync(path, yaml);
  return path;
}

const twoContexts = kubeconfigYaml({
  current: 'dev',
  clusters: [
    { name: 'dev-cluster', server: 'https://dev.example:6443' },
    { name: 'prod-cluster', server: 'https://prod.example:6443' },
  ],
  contexts: [
    { name: 'dev', cluster: 'dev-cluster', namespace: 'bookinfo' },
    { name: 'prod', cluster: 'prod-cluster' },
  ],
});

// An environment and home that hold nothing, so only what a test sets up is found.
function isolated(dir: string) {
  return { env: {}, homeDir: join(dir, 'no-home'), serviceAccountDir: join(dir, 'no-sa') };
}

describe('loadKubeconfig', () => {
  test('an explicit path uses its current context and the context namespace', () => {
    const dir = tempDir();
    const path = writeConfig(dir, 'config', twoContexts);
    const loaded = loadKubeconfig({
      ...isolated(dir),
      path,
      env: { KUBECONFIG: '/does/not/matter' },
    });
    expect(loaded).toMatchObject({
      contextName: 'dev',
      namespace: 'bookinfo',
      server: 'https://dev.example:6443',
      source: { kind: 'path', paths: [path] },
    });
    expect(loaded.kubeConfig.getCurrentContext()).toBe('dev');
  });

  test('a selected context without a namespace defaults to "default"', () => {
    const dir = tempDir();
    const loaded = loadKubeconfig({
      ...isolated(dir),
      path: writeConfig(dir, 'config', twoContexts),
      context: 'prod',
    });
    expect(loaded).toMatchObject({
      contextName: 'prod',
      namespace: 'default',
      server: 'https://prod.example:6443',
    });
    expect(loaded.kubeConfig.getCurrentCluster()?.name).toBe('prod-cluster');
  });

  test('an unknown context is a KubeconfigError listing the available ones', () => {
    const dir = tempDir();
    const path = writeConfig(dir, 'config', twoContexts);
    let caught: unknown;
    try {
      loadKubeconfig({ ...isolated(dir), path, context: 'staging' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KubeconfigError);
    expect((caught as KubeconfigError).message).toBe(
      `context "staging" not found in kubeconfig ${path}; available contexts: dev, prod`,
    );
    expect((caught as KubeconfigError).toJSON()).toMatchObject({
      code: 'SWITCHYARD_KUBECONFIG',
      path,
      context: 'staging',
    });
  });

  test('a missing explicit file is an error naming it', () => {
    const dir = tempDir();
    expect(() => loadKubeconfig({ ...isolated(dir), path: join(dir, 'nope') })).toThrow(
      /kubeconfig .*nope does not exist/,
    );
  });

  test('KUBECONFIG lists are merged, the first file wins per name and for current-context, missing files are skipped', () => {
    const dir = tempDir();
    const first = writeConfig(
      dir,
      'a.yaml',
      kubeconfigYaml({
        current: 'shared',
        clusters: [{ name: 'c1', server: 'https://first.example' }],
        contexts: [{ name: 'shared', cluster: 'c1', namespace: 'from-first' }],
      }),
    );
    const second = writeConfig(
      dir,
      'b.yaml',
      kubeconfigYaml({
        current: 'other',
        clusters: [
          { name: 'c1', server: 'https://second.example' },
          { name: 'c2', server: 'https://c2.example' },
        ],
        contexts: [
          { name: 'shared', cluster: 'c1', namespace: 'from-second' },
          { name: 'other', cluster: 'c2' },
        ],
      }),
    );
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), first, second].join(delimiter) };
    const loaded = loadKubeconfig({ ...isolated(dir), env });
    expect(loaded).toMatchObject({
      contextName: 'shared',
      namespace: 'from-first',
      server: 'https://first.example',
      source: { kind: 'env', paths: [first, second] },
    });
    expect(loadKubeconfig({ ...isolated(dir), env, context: 'other' }).server).toBe(
      'https://c2.example',
    );
  });

  test('a KUBECONFIG of only missing files is an error', () => {
    const dir = tempDir();
    expect(() => loadKubeconfig({ ...isolated(dir), env: { KUBECONFIG: join(dir, 'x') } })).toThrow(
      KubeconfigError,
    );
  });

  test('falls back to ~/.kube/config', () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeConfig(join(home, '.kube'), 'config', twoContexts);
    const loaded = loadKubeconfig({ ...isolated(dir), homeDir: home });
    expect(loaded).toMatchObject({
      contextName: 'dev',
      source: { kind: 'home', paths: [join(home, '.kube', 'config')] },
    });
  });

  test('falls back to the in-cluster service account', () => {
    const dir = tempDir();
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'in-cluster-token-123');
    writeFileSync(join(sa, 'ca.crt'), 'not used here');
    writeFileSync(join(sa, 'namespace'), 'release-tools\n');
    const loaded = loadKubeconfig({
      ...isolated(dir),
      serviceAccountDir: sa,
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
    });
    expect(loaded).toMatchObject({
      contextName: 'in-cluster',
      namespace: 'release-tools',
      server: 'https://10.96.0.1:443',
      source: { kind: 'in-cluster', paths: [sa] },
    });
  });

  test('nothing found is an error saying what was tried', () => {
    const dir = tempDir();
    expect(() => loadKubeconfig(isolated(dir))).toThrow(
      /no kubeconfig found: KUBECONFIG is not set, .* does not exist/,
    );
  });

  test('a file without current-context asks for --context', () => {
    const dir = tempDir();
    const path = writeConfig(
      dir,
      'config',
      kubeconfigYaml({
        clusters: [{ name: 'c', server: 'https://c.example' }],
        contexts: [{ name: 'only', cluster: 'c' }],
      }),
    );
    expect(() => loadKubeconfig({ ...isolated(dir), path })).toThrow(
      /sets no current-context; choose one with --context \(available contexts: only\)/,
    );
  });

  test('plain HTTP without insecure-skip-tls-verify is refused up front', () => {
    const dir = tempDir();
    const path = writeConfig(
      dir,
      'config',
      kubeconfigYaml({
        current: 'x',
        clusters: [{ name: 'c', server: 'http://127.0.0.1:8080' }],
        contexts: [{ name: 'x', cluster: 'c' }],
      }),
    );
    expect(() => loadKubeconfig({ ...isolated(dir), path })).toThrow(/plain HTTP/);
  });

  test('a YAML error does not echo the file, so a token next to the error stays secret', () => {
    const dir = tempDir();
    const secret = 'eyJhbGciOiJSUzI1NiJ9-very-secret-token';
    const path = writeConfig(
      dir,
      'config',
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${secret}\n   bad: [unclosed\n`,
    );
    let caught: unknown;
    try {
      loadKubeconfig({ ...isolated(dir), path });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KubeconfigError);
    expect((caught as Error).message).toMatch(
      /cannot parse kubeconfig .*: invalid YAML at line \d+/,
    );
    expect(inspect(caught, { depth: Infinity })).not.toContain(secret);
  });
});
