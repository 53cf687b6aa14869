/** Entry point of the `switchyard` binary; wired up in the CLI issue. */
export function main(argv: readonly string[]): Promise<number> {
  process.stderr.write(`switchyard: not wired yet (${argv.join(' ')})\n`);
  return Promise.resolve(1);
}
