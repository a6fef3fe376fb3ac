// A bounded answer cache with per-entry expiry. A Map keeps insertion order, so
// the first key is always the oldest entry: eviction is O(1) and the size can
// never pass maxEntries, whatever names the targets make us ask.

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`cache maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value and its remaining lifetime in ms, or undefined when absent or expired (an expired entry is dropped). */
  get(key: string, now: number): { value: V; remainingMs: number } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const remainingMs = entry.expiresAt - now;
    if (remainingMs <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, remainingMs };
  }

  /** Stores `value` for `ttlMs` (nothing is stored for ttlMs ≤ 0); evicts the oldest entries beyond maxEntries. */
  set(key: string, value: V, ttlMs: number, now: number): void {
    if (!(ttlMs > 0)) return;
    this.entries.delete(key); // re-inserting moves the key to the young end
    this.entries.set(key, { value, expiresAt: now + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
