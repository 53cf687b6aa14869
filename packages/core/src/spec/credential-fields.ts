/**
 * Credentials in the spec are references, never the secret: a file path or the name of an
 * environment variable, read at run time (`gates/credential-source.ts`).
 */

/** A credential read at run time; never the secret itself. */
export type CredentialSource =
  | {
      /** Read from this file (trailing newline trimmed). */
      readonly file: string;
    }
  | {
      /** Read from this environment variable. */
      readonly env: string;
    };

/** The credential a file/variable pair of fields names; undefined: neither is given. */
export function credentialFrom(
  file: string | undefined,
  env: string | undefined,
): CredentialSource | undefined {
  if (file !== undefined) return { file };
  if (env !== undefined) return { env };
  return undefined;
}
