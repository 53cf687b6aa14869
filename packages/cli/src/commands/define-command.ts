/**
 * `defineCommand` only infers a command module's argument type from its builder, so the
 * handler sees exactly the flags the builder declared (and the handlers' parameter types
 * check them against the spec's types).
 */
import type { CommandModule } from 'yargs';

/** Returns `module`, typed by its builder. */
export function defineCommand<U>(module: CommandModule<object, U>): CommandModule<object, U> {
  return module;
}
