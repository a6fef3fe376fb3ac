// The bounded key → value map behind the stateful parsers' joins (Sendmail pid
// → authid, OpenSMTPD session → user, Dovecot session → counted failures).
// A spam run or a scan opens sessions by the thousand and many never log an
// end, so every map has a hard cap (the least recently set entry goes first)
// and entries expire by log time, never by the wall clock: a backfill keeps
// the same joins as live tailing.
//
// The least-recently-set order is a linked list beside the Map rather than the
// Map's own insertion order: finding the first live entry of a V8 Map walks
// over every entry deleted before it, which made each set() cost as many steps
// as there had been deletions since the table was last compacted.

interface Entry<V> {
  key: string;
  value: V;
  time: number;
  older: Entry<V> | undefined;
  newer: Entry<V> | undefined;
}

export class JoinMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private oldest: Entry<V> | undefined;
  private newest: Entry<V> | undefined;
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
      this.remove(e);
      return undefined;
    }
    return e.value;
  }

  /** Sets (or refreshes) key at log time `now`; expired entries at the old end and any overflow go. */
  set(key: string, value: V, now: number): void {
    let e = this.entries.get(key);
    if (e !== undefined) {
      this.unlink(e);
      e.value = value;
      e.time = now;
    } else {
      e = { key, value, time: now, older: undefined, newer: undefined };
      this.entries.set(key, e);
    }
    this.append(e);
    // Set order is (almost) log-time order, so expired entries sit at the old
    // end; stop at the first live one to keep this O(1) amortised.
    for (let o = this.oldest; o !== undefined && now - o.time > this.ttlMs; o = this.oldest) this.remove(o);
    while (this.entries.size > this.cap) {
      this.remove(this.oldest!);
      this.evicted++;
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (e !== undefined) this.remove(e);
  }

  private remove(e: Entry<V>): void {
    this.unlink(e);
    this.entries.delete(e.key);
  }

  private unlink(e: Entry<V>): void {
    if (e.older !== undefined) e.older.newer = e.newer; else this.oldest = e.newer;
    if (e.newer !== undefined) e.newer.older = e.older; else this.newest = e.older;
    e.older = e.newer = undefined;
  }

  private append(e: Entry<V>): void {
    e.older = this.newest;
    if (this.newest !== undefined) this.newest.newer = e; else this.oldest = e;
    this.newest = e;
  }
}
