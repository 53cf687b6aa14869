// Runs every benchmark under test/bench in turn (they print their own figures), except
// peers.mjs: the side-by-side matrix runs for half an hour (--quick) to hours, so it is
// run on its own (node test/bench/peers.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
let failed = 0;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'run-all.mjs' && f !== 'peers.mjs')
  .sort()) {
  process.stdout.write(`\n== ${file}\n`);
  const result = spawnSync(process.execPath, [`${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
