/**
 * Help texts without loading yargs. yargs alone costs about as much to import as Node takes
 * to start, so `switchyard --help` and `switchyard <command> --help` are answered from texts
 * the binary itself rendered at build time (`scripts/build-help-cache.mjs` runs it with the
 * cache disabled and records the output). The cache carries a stamp of every file of the
 * build; any rebuild invalidates it, and anything unusual (other arguments, a narrow
 * terminal, `SWITCHYARD_NO_HELP_CACHE`) goes to yargs as before.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Width help is rendered at (main.ts wraps at min(HELP_WIDTH, terminal columns)). */
export const HELP_WIDTH = 100;

/** Every command, whose help is cached; `''` is the top-level help. */
export const HELP_COMMANDS = [
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
] as const;

/** File name of the cache, beside this module in dist. */
export const HELP_CACHE_FILE = 'help-cache.json';

/** The cache file's content. */
export interface HelpCache {
  /** Stamp of the build the texts were rendered from. */
  stamp: string;
  /** Help text per command (`''`: top level), exactly as the binary printed it. */
  texts: Record<string, string>;
}

const distDir = fileURLToPath(new URL('.', import.meta.url));

/** A stamp of the build: every JavaScript file of dist with its size and modification time. */
export function buildStamp(dir: string = distDir): string {
  const parts: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true }) as string[]) {
    if (!entry.endsWith('.js')) continue;
    const stat = statSync(join(dir, entry));
    parts.push(`${entry}:${stat.size}:${Math.trunc(stat.mtimeMs)}`);
  }
  return parts.sort().join('|');
}

/** The command whose help `argv` asks for and nothing else, or undefined. */
export function helpRequest(argv: readonly string[]): string | undefined {
  const helpFlag = (arg: string | undefined): boolean => arg === '--help' || arg === '-h';
  if (argv.length === 1 && helpFlag(argv[0])) return '';
  if (
    argv.length === 2 &&
    helpFlag(argv[1]) &&
    (HELP_COMMANDS as readonly string[]).includes(argv[0] ?? '')
  ) {
    return argv[0];
  }
  return undefined;
}

/** Prints cached help and returns true when it can; false means: run the real CLI. */
export function servedFromHelpCache(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  stdout: {
    isTTY?: boolean;
    columns?: number | undefined;
    write(text: string): boolean;
  } = process.stdout,
  dir: string = distDir,
): boolean {
  const command = helpRequest(argv);
  if (command === undefined || env.SWITCHYARD_NO_HELP_CACHE) return false;
  // yargs wraps to the terminal when it is narrower than the cached width.
  if (stdout.isTTY && (stdout.columns ?? HELP_WIDTH) < HELP_WIDTH) return false;
  let cache: HelpCache;
  try {
    cache = JSON.parse(readFileSync(join(dir, HELP_CACHE_FILE), 'utf8')) as HelpCache;
  } catch {
    return false;
  }
  const text = cache.texts[command];
  if (text === undefined || cache.stamp !== buildStamp(dir)) return false;
  stdout.write(text);
  return true;
}
