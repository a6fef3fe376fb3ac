// The bounded key → value map behind the stateful parsers' joins (Sendmail pid
// → authid, OpenSMTPD session → user, Dovecot session → counted failures).
// A spam run or a scan opens sessions by the thousand and many never log an
// end, so every map has a hard cap (the least recently set entry goes first)
// and entries expire by log time, never by the wall clock: a backfill keeps
// the same joins as live tailing.

export class JoinMap<V> {
  private readonly entries = new Map<string, { value: V; time: number }>();
  /** Entries dropped because the cap was reached. */
  evicted = 0;

  /**
   * @param cap most entries kept
   * @param ttlMs log-time an entry lives after it was last set
   */
  constructor(readonly cap: number, readonly ttlMs: number) {
    if (!(cap >= 1) || !(ttlMs > 0)) throw new RangeError('JoinMap needs cap >= 1 and ttlMs > 0');
  }

  get size(): number { return this.entries.size; }

  /** The value for key if it was set within ttlMs of log time `now`. */
  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now - e.time > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Sets (or refreshes) key at log time `now`; expired entries at the old end and any overflow go. */
  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, time: now });
    // Insertion order is (almost) log-time order, so expired entries sit at
    // the front; stop at the first live one to keep this O(1) amortised.
    for (const [k, e] of this.entries) {
      if (now - e.time <= this.ttlMs) break;
      this.entries.delete(k);
    }
    while (this.entries.size > this.cap) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.evicted++;
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
