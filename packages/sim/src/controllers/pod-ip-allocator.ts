/**
 * Pod IP allocation from the node's pod CIDR (kind's default 10.244.0.0/16), like a CNI's
 * host-local IPAM: addresses are handed out round-robin, never twice while in use, and
 * returned when the pod goes away.
 */

const SIZE = 256 * 256;

function ipAt(index: number): string {
  return `10.244.${index >> 8}.${index & 255}`;
}

function indexOf(ip: string): number | undefined {
  const match = /^10\.244\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!match) return undefined;
  return (Number(match[1]) << 8) | Number(match[2]);
}

function usable(index: number): boolean {
  const host = index & 255;
  // .0 and .255 are network/broadcast of each /24; 10.244.0.1 is the bridge gateway.
  return host !== 0 && host !== 255 && index !== 1;
}

/** Allocates unique pod IPs in 10.244.0.0/16. */
export class PodIpAllocator {
  readonly #inUse = new Set<number>();
  #cursor = 0;

  /** Marks an IP (of a pod that already exists) as taken. */
  reserve(ip: string): void {
    const index = indexOf(ip);
    if (index !== undefined) this.#inUse.add(index);
  }

  /** Returns an IP to the pool. */
  release(ip: string): void {
    const index = indexOf(ip);
    if (index !== undefined) this.#inUse.delete(index);
  }

  /** A free IP; throws when the range is exhausted. */
  allocate(): string {
    for (let step = 0; step < SIZE; step += 1) {
      this.#cursor = (this.#cursor + 1) % SIZE;
      if (usable(this.#cursor) && !this.#inUse.has(this.#cursor)) {
        this.#inUse.add(this.#cursor);
        return ipAt(this.#cursor);
      }
    }
    throw new Error('no pod IPs left in 10.244.0.0/16');
  }

  /** Forgets every allocation. */
  clear(): void {
    this.#inUse.clear();
    this.#cursor = 0;
  }
}
