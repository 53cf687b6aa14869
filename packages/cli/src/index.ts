export { main } from './main.js';
export type { MainOptions } from './main.js';
export { ExitCode, EXIT_CODES_TEXT, exitCodeForError, exitCodeForOutcome } from './exit-codes.js';
