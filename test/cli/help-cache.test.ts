/**
 * `--help` is served from texts rendered at build time (packages/cli/src/help-cache.ts).
 * They must be exactly what yargs prints, and a rebuild must invalidate them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '@switchyard/test-utils';

const CACHE = fileURLToPath(new URL('../../packages/cli/dist/help-cache.json', import.meta.url));
const COMMANDS = [
  '',
  'deploy',
  'release',
  'promote',
  'rollback',
  'status',
  'plan',
  'doctor',
  'sim',
  'demo',
];

describe('the help cache', () => {
  it('holds every command and matches what yargs prints, text for text', async () => {
    const cache = JSON.parse(readFileSync(CACHE, 'utf8')) as {
      stamp: string;
      texts: Record<string, string>;
    };
    expect(Object.keys(cache.texts).sort()).toEqual([...COMMANDS].sort());
    for (const command of COMMANDS) {
      const args = command ? [command, '--help'] : ['--help'];
      const cached = await runCli(args);
      const live = await runCli(args, { env: { SWITCHYARD_NO_HELP_CACHE: '1' } });
      expect(cached.code).toBe(0);
      expect(live.code).toBe(0);
      expect(cached.stdout).toBe(live.stdout);
      expect(cached.stdout).toBe(cache.texts[command]);
    }
  });
});
