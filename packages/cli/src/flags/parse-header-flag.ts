/**
 * `--header NAME=VALUE`, `--header-prefix NAME=VALUE`, `--header-regex NAME=RE`: the
 * pre-release route's header conditions. Only the flag syntax is checked here; header
 * names and regular expressions are validated by the spec (with their paths).
 */
import { UsageError } from '@switchyard/core/errors';
import type { HeaderMatchSpec } from '@switchyard/core';

/** Which kind of match a header flag makes. */
export type HeaderMatchKind = 'exact' | 'prefix' | 'regex';

const FLAG_OF: Record<HeaderMatchKind, string> = {
  exact: '--header',
  prefix: '--header-prefix',
  regex: '--header-regex',
};

/** Parses one header flag value into a header condition. */
export function parseHeaderFlag(value: string, kind: HeaderMatchKind): HeaderMatchSpec {
  const separator = value.indexOf('=');
  if (separator <= 0) {
    throw new UsageError(
      `${FLAG_OF[kind]} "${value}": expected NAME=VALUE (e.g. ${FLAG_OF[kind]} x-release=candidate)`,
    );
  }
  const name = value.slice(0, separator);
  const match = value.slice(separator + 1);
  switch (kind) {
    case 'exact':
      return { name, exact: match };
    case 'prefix':
      return { name, prefix: match };
    case 'regex':
      return { name, regex: match };
  }
}
