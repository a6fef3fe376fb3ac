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

  record(time: number): void {
    const hour = Math.floor(time / HOUR_MS);
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

/**
 * Distinct values (client addresses, recipient domains) seen in the last 24 h,
 * capped: a spam run to 100,000 domains must not grow memory without limit.
 * When full, the entry seen longest ago is dropped, so the count saturates at
 * the cap (the alert thresholds are far below it).
 */
export class DistinctWindow {
  private readonly lastSeen = new Map<string, number>();

  constructor(private readonly cap: number, private readonly windowMs: number = DAY_MS) {}

  record(value: string, time: number): void {
    const prev = this.lastSeen.get(value);
    if (prev !== undefined) {
      // Within a minute of the last sighting: a 24-hour window does not need
      // the exact second, and skipping the re-insert is most of the cost.
      if (time < prev + REFRESH_MS) return;
      // Re-insert so the Map's order stays "least recently seen first".
      this.lastSeen.delete(value);
    } else if (this.lastSeen.size >= this.cap) {
      const oldest = this.lastSeen.keys().next().value as string;
      this.lastSeen.delete(oldest);
    }
    this.lastSeen.set(value, time);
  }

  /** Values seen within the window ending at referenceTime; prunes older ones. */
  count(referenceTime: number): number {
    const cutoff = referenceTime - this.windowMs;
    for (const [value, t] of this.lastSeen) {
      if (t > cutoff) break;
      this.lastSeen.delete(value);
    }
    // Out-of-order log lines can leave an old entry behind a newer one; the
    // exact count therefore checks every remaining timestamp.
    let n = 0;
    for (const t of this.lastSeen.values()) if (t > cutoff) n++;
    return n;
  }

  get size(): number { return this.lastSeen.size; }
}
