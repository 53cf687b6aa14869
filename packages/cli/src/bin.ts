#!/usr/bin/env node
import { servedFromHelpCache } from './help-cache.js';

const argv = process.argv.slice(2);
if (!servedFromHelpCache(argv)) {
  // Loaded only when needed: yargs costs about as much as Node's own start.
  const { main } = await import('./main.js');
  process.exitCode = await main(argv);
}
