// Sliding 24-hour figures per user, kept small and bounded. All times are log
// time (ms since the epoch, from the log line), so a backfill yields the same
// numbers as live tailing.
import { flat } from '../metrics/exposition';

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

  /** Forgets every hour (a user record reused for another user). */
  reset(): void {
    this.slots.fill(-Infinity);
    this.lastHour = -Infinity;
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
 * A copy of `s` that holds no larger string alive. V8 makes a slice of 13 or
 * more characters a view into its parent (a name cut from a log line would keep
 * the line); shorter slices, and any string that short, are copies already.
 * For what is kept long, at insertion only: never per event.
 */
export function keptCopy(s: string): string {
  return s.length < 13 ? s : flat(s);
}

/**
 * Values a DistinctWindow holds before it indexes them in a Map (see
 * DistinctWindow). Walking 16 values costs less than hashing the (fresh,
 * unhashed) value for a Map lookup: on the benchmark log, where users send to
 * about a dozen domains, 16 instead of 8 took ~5 % off the whole pipeline.
 */
export const SMALL_WINDOW = 16;

/** Sightings all users' distinct-value windows may hold together by default (~25 MiB). */
export const MAX_SIGHTINGS = 200_000;

/**
 * A budget of sightings shared by many DistinctWindows (every user's client
 * addresses and recipient domains). Per-window caps alone allow max_users × 2 ×
 * max_distinct_per_user entries (5,000 × 2 × 256 = 2.56 million); the budget
 * bounds the sum.
 *
 * Semantics: while `used < limit` a window grows up to its own cap. Once the
 * budget is used up, a window that records a new value drops its own oldest
 * sighting for it instead of growing, so its size (and count) stays where it
 * is until sightings expire or users are evicted and hand theirs back. A
 * window that holds nothing still records its one value: every active user
 * counts at least that, and the total stays ≤ limit + the number of windows
 * (2 × max_users) — the only slack. Expired sightings count until a count()
 * prunes them (each scrape renders every user at least once a minute).
 */
export class SightingBudget {
  used = 0;
  /**
   * Sightings handed back, for reuse (chained by `newer`): at the user cap
   * every message of a new user records and later drops one or two, which
   * otherwise reach old space as garbage. Never more than were once in use.
   */
  private spare: Sighting | undefined;

  constructor(public limit: number = MAX_SIGHTINGS) {}

  /** A sighting of `value` at `time`, counted against the budget. */
  take(value: string, time: number): Sighting {
    this.used++;
    const e = this.spare;
    if (e === undefined) return { value, time, older: undefined, newer: undefined };
    this.spare = e.newer;
    e.value = value;
    e.time = time;
    e.newer = undefined;
    return e;
  }

  /** Hands back an unlinked sighting. */
  give(e: Sighting): void {
    this.used--;
    e.value = '';
    e.older = undefined;
    e.newer = this.spare;
    this.spare = e;
  }
}

/** For a window on its own (tests, or callers without a shared budget). */
const UNLIMITED = new SightingBudget(Infinity);

/** One remembered value, linked in least-recently-seen order. */
export interface Sighting {
  value: string;
  time: number;
  older: Sighting | undefined;
  newer: Sighting | undefined;
}

/**
 * Distinct values (client addresses, recipient domains) seen in the last 24 h,
 * capped: a spam run to 100,000 domains must not grow memory without limit.
 * When full (its own cap, or the shared budget used up), the entry seen
 * longest ago is dropped, so the count saturates at the cap (the alert
 * thresholds are below it: the config checks).
 *
 * The least-recently-seen order is a linked list, not the Map's insertion
 * order: finding a Map's first live entry walks over every entry deleted
 * before it (V8 compacts only when the table fills), which made each insert
 * into a full window cost hundreds of steps.
 *
 * A window of up to SMALL_WINDOW values has no Map: a lookup walks the list.
 * V8 allocates a new table when a Map's last entry is deleted (it shrinks), so
 * a Map per window cost a table per evicted user at the cap, and most windows
 * hold a value or two. Up to 16 values a walk is also cheaper than hashing
 * the value (see SMALL_WINDOW).
 */
export class DistinctWindow {
  /** The index by value, once the window held more than SMALL_WINDOW values; dropped when it empties. */
  private byValue: Map<string, Sighting> | undefined;
  private oldest: Sighting | undefined;
  private newest: Sighting | undefined;
  private held = 0;

  constructor(
    private cap: number,
    private readonly windowMs: number = DAY_MS,
    private readonly budget: SightingBudget = UNLIMITED,
  ) {}

  record(value: string, time: number): void {
    const seen = this.find(value);
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
    // A kept value is copied: one sliced from a log line would keep the whole line alive.
    const kept = keptCopy(value);
    let entry: Sighting;
    const oldest = this.oldest;
    if (oldest !== undefined && (this.held >= this.cap || this.budget.used >= this.budget.limit)) {
      // Full: the oldest sighting's record is reused for the new value.
      this.unlink(oldest);
      this.byValue?.delete(oldest.value);
      entry = oldest;
      entry.value = kept;
      entry.time = time;
    } else {
      entry = this.budget.take(kept, time);
      this.held++;
    }
    this.append(entry);
    // Linked first: index() walks the list, and must see this entry too.
    if (this.byValue !== undefined) this.byValue.set(kept, entry);
    else if (this.held > SMALL_WINDOW) this.index();
  }

  /** The sighting of `value`, if held. */
  private find(value: string): Sighting | undefined {
    if (this.byValue !== undefined) return this.byValue.get(value);
    // Newest first: a repeated value is most often the last one.
    for (let e = this.newest; e !== undefined; e = e.older) if (e.value === value) return e;
    return undefined;
  }

  private index(): void {
    const map = new Map<string, Sighting>();
    for (let e = this.oldest; e !== undefined; e = e.newer) map.set(e.value, e);
    this.byValue = map;
  }

  /** Values seen within the window ending at referenceTime; prunes older ones. */
  count(referenceTime: number): number {
    const cutoff = referenceTime - this.windowMs;
    for (let e = this.oldest; e !== undefined && e.time <= cutoff; e = this.oldest) this.drop(e);
    // Out-of-order log lines can leave an old entry behind a newer one; the
    // exact count therefore checks every remaining timestamp.
    let n = 0;
    for (let e = this.oldest; e !== undefined; e = e.newer) if (e.time > cutoff) n++;
    return n;
  }

  get size(): number { return this.held; }

  /** A new cap (a reload): the oldest entries beyond it are dropped. */
  resize(cap: number): void {
    this.cap = cap;
    while (this.held > cap && this.oldest !== undefined) this.drop(this.oldest);
  }

  /** Forgets every value and hands the sightings back to the budget (an evicted user). */
  clear(): void {
    // The index goes whole (deleting its entries one by one ends in a shrink
    // that allocates anyway); the sightings go back to the budget for reuse.
    this.byValue = undefined;
    for (let e = this.oldest; e !== undefined; e = this.oldest) this.drop(e);
  }

  private drop(e: Sighting): void {
    this.unlink(e);
    if (this.byValue !== undefined) {
      if (this.held === 1) this.byValue = undefined; // its last entry: see clear()
      else this.byValue.delete(e.value);
    }
    this.held--;
    this.budget.give(e);
  }

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
