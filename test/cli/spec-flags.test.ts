/**
 * One rule for which command takes which flag: every command that reads a release spec
 * (deploy, release, promote, rollback, status, plan, doctor) takes every flag the spec
 * declares, as it takes `-f`, so a pipeline passes the same flags to each step. Checked both
 * ways against the spec's declaration: each declared flag is accepted (the command gets as
 * far as the kubeconfig), and each flag a command's help lists is declared by the spec, is a
 * runtime flag, or is the command's own.
 */
import {
  declaredSettings,
  RELEASE_SPEC_FIELDS,
  type DeclaredSetting,
  type FlagDeclaration,
} from '@switchyard/core/spec-fields';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from '@switchyard/test-utils';

const NO_CLUSTER = ['--kubeconfig', '/nonexistent/kubeconfig'];

/** Each spec command, with what it needs besides the spec to get going. */
const SPEC_COMMANDS: Record<string, readonly string[]> = {
  deploy: ['--image', 'reviews:v2'],
  release: [],
  promote: [],
  rollback: [],
  status: [],
  plan: ['deploy', '--image', 'reviews:v2'],
  doctor: [],
};

/** Flags that are no spec field: the runtime flags, and each command's own. */
const NOT_SPEC = [
  'kubeconfig',
  'context',
  'file',
  'holder',
  'skip-check',
  'output',
  'color',
  'no-color',
  'quiet',
  'help',
  'version',
  'image',
  'full',
  'watch',
  'interval',
];

const SAMPLES: Record<string, string> = {
  header: 'x-release=candidate',
  'header-prefix': 'x-user=qa-',
  'header-regex': 'x-build=^v1$',
  steps: '10,100',
  check: 'success-rate>=99',
  notify: 'http://127.0.0.1:9/hook',
};

/** A value of the right syntax for `flag` (a boolean flag: none). */
function sample(flag: FlagDeclaration, setting: DeclaredSetting): string[] {
  const { node } = setting;
  const kind =
    node.node === 'field' ? node.kind : node.item.node === 'field' ? node.item.kind : undefined;
  const value = SAMPLES[flag.name];
  if (value !== undefined) return [value];
  switch (kind?.type) {
    case 'boolean':
      return [];
    case 'duration':
      return ['1m'];
    case 'whole':
    case 'ratio':
    case 'number':
      return ['1'];
    case 'choice':
      return [String(kind.values[0])];
    case 'service-address':
      return ['istio-system/prometheus:9090'];
    default:
      return ['bookinfo'];
  }
}

const flags = declaredSettings(RELEASE_SPEC_FIELDS).flatMap((setting) =>
  (setting.node.flags ?? []).filter((flag) => !flag.positional).map((flag) => ({ flag, setting })),
);
const everySpecFlag = flags.flatMap(({ flag, setting }) => [
  `--${flag.name}`,
  ...sample(flag, setting),
]);

describe('the spec flags on every command that reads a spec', () => {
  it('are declared: at least the ones pipelines pass to every step', () => {
    const names = flags.map(({ flag }) => flag.name);
    for (const name of ['prometheus-url', 'prometheus-service', 'sync-timeout', 'namespace']) {
      expect(names).toContain(name);
    }
  });

  it.each(Object.entries(SPEC_COMMANDS))('%s takes every one of them', async (command, own) => {
    const result = await runCli(
      ['-o', 'json', command, 'reviews', ...own, ...everySpecFlag, ...NO_CLUSTER],
      { timeoutMs: 60_000 },
    );
    // Past flag parsing (no "Unknown argument"), to the cluster connection.
    expect(result.stderr).not.toContain('Unknown argument');
    const final = jsonLines(result).at(-1);
    expect(final, result.stdout + result.stderr).toMatchObject({
      exitCode: 2,
      error: { code: 'SWITCHYARD_KUBECONFIG' },
    });
  });

  it('lists in each help only declared spec flags, runtime flags and its own', async () => {
    const declared = new Set(flags.map(({ flag }) => flag.name));
    for (const command of Object.keys(SPEC_COMMANDS)) {
      const help = await runCli([command, '--help'], { env: { SWITCHYARD_NO_HELP_CACHE: '1' } });
      expect(help.code).toBe(0);
      const listed = new Set(
        [...help.stdout.matchAll(/^\s+(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1] as string),
      );
      for (const name of declared) expect(listed, `${command} --${name}`).toContain(name);
      const unknown = [...listed].filter((name) => !declared.has(name) && !NOT_SPEC.includes(name));
      expect(unknown, command).toEqual([]);
    }
  });
});

describe('deploy with the flags a pipeline passes to release', () => {
  it('takes --prometheus-url and --prometheus-service (issue 21: "Unknown arguments")', async () => {
    for (const flag of [
      ['--prometheus-url', 'http://prometheus:9090'],
      ['--prometheus-service', 'monitoring/prometheus:9090'],
    ]) {
      const result = await runCli([
        '-o',
        'json',
        'deploy',
        'reviews',
        '--image',
        'reviews:v2',
        ...flag,
        ...NO_CLUSTER,
      ]);
      expect(result.stderr).not.toContain('Unknown argument');
      expect(jsonLines(result).at(-1)).toMatchObject({
        exitCode: 2,
        error: { code: 'SWITCHYARD_KUBECONFIG' },
      });
    }
  });
});
