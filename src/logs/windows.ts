// Sliding 24-hour figures per user, kept small and bounded. All times are log
// time (ms since the epoch, from the log line), so a backfill yields the same
// numbers as live tailing.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** How stale a remembered "last seen" may be (bounds per-event work; windows are 24 h). */
export const REFRESH_MS = 60_000;

/**
 * Which clock hours of the last 24 saw activity. 24 slots, each holding the
 * absolute hour number it last recorded; a slot counts while that hour is one
 * of the 24 hours ending with the reference hour.
 */
export class ActiveHours {
  private readonly slots = new Float64Array(24).fill(-Infinity);
  /** The hour recorded last: a user's consecutive messages are nearly always in the same hour. */
  private lastHour = -Infinity;

  record(time: number): void {
    const hour = Math.floor(time / HOUR_MS);
    if (hour === this.lastHour) return;
    this.lastHour = hour;
    const i = ((hour % 24) + 24) % 24;
    if (hour > this.slots[i]) this.slots[i] = hour;
  }

  /** Distinct hours h with refHour - 23 ≤ h ≤ refHour. */
  count(referenceTime: number): number {
    const refHour = Math.floor(referenceTime / HOUR_MS);
    let n = 0;
    for (let i = 0; i < 24; i++) {
      const h = this.slots[i];
      if (h <= refHour && h > refHour - 24) n++;
    }
    return n;
  }
}

/** One remembered value, linked in least-recently-seen order. */
interface Sighting {
  value: string;
  time: number;
  older: Sighting | undefined;
  newer: Sighting | undefined;
}

/**
 * Distinct values (client addresses, recipient domains) seen in the last 24 h,
 * capped: a spam run to 100,000 domains must not grow memory without limit.
 * When full, the entry seen longest ago is dropped, so the count saturates at
 * the cap (the alert thresholds are far below it).
 *
 * The least-recently-seen order is a linked list, not the Map's insertion
 * order: finding a Map's first live entry walks over every entry deleted
 * before it (V8 compacts only when the table fills), which made each insert
 * into a full window cost hundreds of steps.
 */
export class DistinctWindow {
  private readonly byValue = new Map<string, Sighting>();
  private oldest: Sighting | undefined;
  private newest: Sighting | undefined;

  constructor(private readonly cap: number, private readonly windowMs: number = DAY_MS) {}

  record(value: string, time: number): void {
    const seen = this.byValue.get(value);
    if (seen !== undefined) {
      // Within a minute of the last sighting: a 24-hour window does not need
      // the exact second, and skipping the re-link is most of the cost.
      if (time < seen.time + REFRESH_MS) return;
      seen.time = time;
      if (seen !== this.newest) {
        this.unlink(seen);
        this.append(seen);
      }
      return;
    }
    let entry: Sighting;
    const oldest = this.oldest;
    if (this.byValue.size >= this.cap && oldest !== undefined) {
      // Full: the oldest sighting's record is reused for the new value.
      this.unlink(oldest);
      this.byValue.delete(oldest.value);
      entry = oldest;
      entry.value = value;
      entry.time = time;
    } else {
      entry = { value, time, older: undefined, newer: undefined };
    }
    this.byValue.set(value, entry);
    this.append(entry);
  }

  /** Values seen within the window ending at referenceTime; prunes older ones. */
  count(referenceTime: number): number {
    const cutoff = referenceTime - this.windowMs;
    for (let e = this.oldest; e !== undefined && e.time <= cutoff; e = this.oldest) {
      this.unlink(e);
      this.byValue.delete(e.value);
    }
    // Out-of-order log lines can leave an old entry behind a newer one; the
    // exact count therefore checks every remaining timestamp.
    let n = 0;
    for (let e = this.oldest; e !== undefined; e = e.newer) if (e.time > cutoff) n++;
    return n;
  }

  get size(): number { return this.byValue.size; }

  private unlink(e: Sighting): void {
    if (e.older !== undefined) e.older.newer = e.newer; else this.oldest = e.newer;
    if (e.newer !== undefined) e.newer.older = e.older; else this.newest = e.older;
    e.older = e.newer = undefined;
  }

  private append(e: Sighting): void {
    e.older = this.newest;
    if (this.newest !== undefined) this.newest.newer = e; else this.oldest = e;
    this.newest = e;
  }
}
