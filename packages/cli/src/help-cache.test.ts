import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStamp, HELP_CACHE_FILE, helpRequest, servedFromHelpCache } from './help-cache.js';

function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'help-cache-'));
  writeFileSync(join(dir, 'main.js'), 'export {};');
  writeFileSync(
    join(dir, HELP_CACHE_FILE),
    JSON.stringify({ stamp: buildStamp(dir), texts: { '': 'TOP\n', release: 'RELEASE\n' } }),
  );
  return dir;
}

interface Sink {
  isTTY: boolean;
  columns: number | undefined;
  written: string[];
  write(text: string): boolean;
}

function sink(isTTY = false, columns?: number): Sink {
  const written: string[] = [];
  return { isTTY, columns, written, write: (text: string) => written.push(text) > 0 };
}

describe('helpRequest', () => {
  it('recognises only a bare help request', () => {
    expect(helpRequest(['--help'])).toBe('');
    expect(helpRequest(['-h'])).toBe('');
    expect(helpRequest(['release', '--help'])).toBe('release');
    expect(helpRequest(['release', '--help', '-n', 'x'])).toBeUndefined();
    expect(helpRequest(['nope', '--help'])).toBeUndefined();
    expect(helpRequest(['release'])).toBeUndefined();
  });
});

describe('servedFromHelpCache', () => {
  it('prints the cached text for a matching build', () => {
    const dir = fakeDist();
    const out = sink();
    expect(servedFromHelpCache(['release', '--help'], {}, out, dir)).toBe(true);
    expect(out.written).toEqual(['RELEASE\n']);
  });

  it('leaves it to yargs after a rebuild, on a narrow terminal, or when disabled', () => {
    const dir = fakeDist();
    expect(servedFromHelpCache(['--help'], { SWITCHYARD_NO_HELP_CACHE: '1' }, sink(), dir)).toBe(
      false,
    );
    expect(servedFromHelpCache(['--help'], {}, sink(true, 60), dir)).toBe(false);
    expect(servedFromHelpCache(['--help'], {}, sink(true, 120), dir)).toBe(true);
    // A rebuild changes a file's modification time: the stamp no longer matches.
    utimesSync(join(dir, 'main.js'), new Date(), new Date(Date.now() + 60_000));
    const out = sink();
    expect(servedFromHelpCache(['--help'], {}, out, dir)).toBe(false);
    expect(out.written).toEqual([]);
  });
});
