// The oldest key of a Map kept in insertion order (least recently set first),
// for caps that drop the oldest entry. `map.keys().next()` walks from the
// start of V8's hash table over every entry deleted since its last compaction:
// with the oldest dropped one by one, each call costs as many steps as drops
// before it, and an exporter at its cap slows to a crawl. A live iterator kept
// between calls skips each deleted entry once.
export class OldestKey<K> {
  private it?: Iterator<K>;

  constructor(private readonly map: Map<K, unknown>) {}

  /**
   * The key of the oldest entry, which the caller must then delete (the
   * iterator has moved past it). Undefined when the map is empty.
   */
  take(): K | undefined {
    if (this.map.size === 0) return undefined;
    let r = this.it?.next();
    if (r === undefined || r.done) {
      // Exhausted (everything after the cursor was dropped) or first use: start over.
      this.it = this.map.keys();
      r = this.it.next();
    }
    return r.done ? undefined : r.value;
  }
}
