#!/usr/bin/env node
// After the build: render every help text with the binary itself (cache disabled) and
// record them with the build's stamp in packages/cli/dist/help-cache.json.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../packages/cli/dist/', import.meta.url));
const { HELP_COMMANDS, HELP_CACHE_FILE, buildStamp } = await import(`${dist}help-cache.js`);

const texts = {};
for (const command of HELP_COMMANDS) {
  const args = command ? [command, '--help'] : ['--help'];
  const result = spawnSync(process.execPath, [`${dist}bin.js`, ...args], {
    env: { ...process.env, SWITCHYARD_NO_HELP_CACHE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(
      `switchyard ${args.join(' ')} exited ${result.status}: ${result.stderr}\n`,
    );
    process.exit(1);
  }
  texts[command] = result.stdout;
}
// The stamp is taken last: it covers exactly the files the texts came from.
writeFileSync(`${dist}${HELP_CACHE_FILE}`, JSON.stringify({ stamp: buildStamp(dist), texts }));
