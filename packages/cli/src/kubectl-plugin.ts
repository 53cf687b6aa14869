#!/usr/bin/env node
/**
 * `kubectl switchyard ...`: kubectl runs an executable named `kubectl-switchyard` found on
 * PATH with the arguments after the plugin name. The same CLI; help and usage say
 * `kubectl switchyard`. (Its help is rendered by yargs: the build-time help cache holds the
 * `switchyard` texts.)
 */
const { main } = await import('./main.js');
process.exitCode = await main(process.argv.slice(2), { scriptName: 'kubectl switchyard' });
