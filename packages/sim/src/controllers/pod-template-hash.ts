/**
 * The `pod-template-hash` label value. Kubernetes (`controller.ComputeHash`) hashes the pod
 * template with FNV-32a, mixes in the Deployment's collisionCount, prints the 32-bit sum in
 * decimal and maps each digit onto a consonant-and-digit alphabet (`rand.SafeEncodeString`),
 * giving 1-10 characters that cannot spell words. Kubernetes hashes a Go struct dump; the
 * simulator hashes canonical JSON (sorted keys) of the same template, so values differ
 * from a real cluster's but are stable, template-determined and shaped the same.
 */

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** `rand.SafeEncodeString`: maps each character onto the safe alphabet. */
export function safeEncodeString(text: string): string {
  let out = '';
  for (const char of text)
    out += SAFE_ALPHABET[(char.codePointAt(0) as number) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a 32-bit over bytes, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash: number = FNV_OFFSET): number {
  let h = hash;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** JSON with object keys sorted, so equal templates hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The `pod-template-hash` for a template and the Deployment's `status.collisionCount`. */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  let hash = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    // Kubernetes appends the count as four little-endian bytes.
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(String(hash));
}
