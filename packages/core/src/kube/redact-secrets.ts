/**
 * Credentials must never reach a message, a log line or an error's `cause`. Servers and
 * proxies sometimes echo request headers into error bodies, and client libraries attach
 * request options to their errors, so every text that leaves `kube/` passes through here.
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

const REDACTED = '[REDACTED]';

// Shortest string treated as a secret to replace verbatim: shorter values (a user name like
// `me`) would shred ordinary words.
const MIN_SECRET_LENGTH = 4;

const AUTH_SCHEME = /\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]+/gi;
const AUTH_HEADER =
  /(["']?(?:authorization|x-auth-token|cookie)["']?\s*[:=]\s*["']?)[^"'\s,}\]]+/gi;
// Service account tokens and OIDC id tokens are JWTs: three base64url parts, header first.
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

/** Replaces known secrets and anything that looks like a credential in `text`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret containing another is removed whole.
  const known = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  for (const secret of known) out = out.split(secret).join(REDACTED);
  return out
    .replace(AUTH_SCHEME, `$1$2${REDACTED}`)
    .replace(AUTH_HEADER, `$1${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(PRIVATE_KEY, REDACTED);
}

/**
 * Secret values of the kubeconfig's current user: token, password, client key, auth-provider
 * tokens, and the content of a token file. Read when an error is being described, so a
 * rotated token file is read fresh.
 */
export function kubeconfigSecrets(kubeConfig: KubeConfig): string[] {
  const user = kubeConfig.getCurrentUser();
  if (!user) return [];
  const secrets: string[] = [];
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.trim()) secrets.push(value.trim());
  };
  add(user.token);
  add(user.password);
  add(user.keyData);
  const providerConfig: unknown = (user.authProvider as { config?: unknown } | undefined)?.config;
  if (providerConfig && typeof providerConfig === 'object') {
    for (const [key, value] of Object.entries(providerConfig as Record<string, unknown>)) {
      if (/token|secret|password/i.test(key) && !/file/i.test(key)) add(value);
      if (/tokenfile|token-file/i.test(key) && typeof value === 'string') add(readQuietly(value));
    }
  }
  return secrets;
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // A missing token file is reported by the request itself; here it just has no secret.
    return undefined;
  }
}
