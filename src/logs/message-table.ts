// The open messages MailStats remembers for attribution (queue ID → the user
// who submitted it), kept compact: at the default cap it is the largest state
// the exporter holds, and one stolen account fills it by sending mail that
// never leaves the queue.
//
// A message is a slot (a small integer: no object per message) in a few typed
// arrays (its user, the recipient total already counted, the log time it was
// remembered, its neighbours in age order) plus its queue ID string, found
// through an open-addressing hash table of slot numbers. The user is a handle
// from UserHandles, one per login name with a tracked record or queued mail,
// so 200,000 queued messages of 10,000 users share 10,000 names instead of
// each keeping a name copy and a ref object.
import { keptCopy } from './windows';

/** First size of the growable typed arrays; doubled when full, so never more than twice what was used. */
const INITIAL_SIZE = 1024;

function grownInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function grownFloat64(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Login names as small integer handles, each with the user's record while it
 * is tracked. A handle lives while a record is attached or a message holds it
 * (retain/release); then it is freed and its number reused.
 */
export class UserHandles<R> {
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly records: (R | undefined)[] = [];
  private refs: Int32Array = new Int32Array(INITIAL_SIZE);
  private readonly free: number[] = [];

  /** Handles alive. */
  get size(): number { return this.byName.size; }

  /**
   * The handle of `name`, made if there is none (with a copy of the name:
   * never a slice that would keep its log line alive). A new handle must be
   * attached or retained before anything else can free it.
   */
  handleFor(name: string): number {
    const h = this.byName.get(name);
    if (h !== undefined) return h;
    const kept = keptCopy(name);
    let n = this.free.pop();
    if (n === undefined) {
      n = this.names.length;
      this.names.push(kept);
      this.records.push(undefined);
      if (n === this.refs.length) this.refs = grownInt32(this.refs);
    } else {
      this.names[n] = kept;
    }
    this.refs[n] = 0;
    this.byName.set(kept, n);
    return n;
  }

  /** The name the handle stands for (the one copy the record and the queue share). */
  name(h: number): string { return this.names[h]; }

  /** The tracked record of the handle's user, undefined once evicted. */
  record(h: number): R | undefined { return this.records[h]; }

  attach(h: number, record: R): void { this.records[h] = record; }

  /** The record stops standing for the user (evicted); the handle lives on while messages hold it. */
  detach(h: number): void {
    this.records[h] = undefined;
    if (this.refs[h] === 0) this.drop(h);
  }

  retain(h: number): void { this.refs[h]++; }

  release(h: number): void {
    if (--this.refs[h] === 0 && this.records[h] === undefined) this.drop(h);
  }

  private drop(h: number): void {
    this.byName.delete(this.names[h]);
    this.names[h] = '';
    this.free.push(h);
  }
}

/** No slot (an empty hash-table bucket, the end of a list). */
const NONE = -1;

/** FNV-1a of the string's UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** Open messages by queue ID, oldest first; see the top of the file. */
export class MessageTable {
  /** Per slot: the queue ID ('' when free), its hash, the user handle, recipients counted, log time remembered. */
  private keys: string[] = [];
  private hashes: Int32Array = new Int32Array(INITIAL_SIZE);
  private users: Int32Array = new Int32Array(INITIAL_SIZE);
  private counted: Float64Array = new Float64Array(INITIAL_SIZE);
  private created: Float64Array = new Float64Array(INITIAL_SIZE);
  /** Remembered slots, oldest first (a doubly linked list); free slots chained by `newer`. */
  private older: Int32Array = new Int32Array(INITIAL_SIZE);
  private newer: Int32Array = new Int32Array(INITIAL_SIZE);
  private oldest = NONE;
  private newest = NONE;
  private free = NONE;
  /** Slots below this have been used. */
  private used = 0;
  /**
   * Queue ID → slot: open addressing with linear probing over twice as many
   * buckets as slots. Not a Map: V8's Map keeps deleted entries until its table
   * fills, then doubles it while fewer than half are deleted, so 200,000
   * messages under steady churn sat in a 524,288-entry table (14 MB), and every
   * rehash left one more such table to the collector.
   */
  private buckets: Int32Array = new Int32Array(2 * INITIAL_SIZE).fill(NONE);
  private count = 0;
  /** Messages dropped because the table was full. */
  dropped = 0;

  constructor(private readonly handles: UserHandles<unknown>) {}

  get size(): number { return this.count; }

  /** The message's slot, or -1 if it is not remembered. */
  find(id: string): number {
    const mask = this.buckets.length - 1;
    for (let b = hashOf(id) & mask; ; b = (b + 1) & mask) {
      const slot = this.buckets[b];
      if (slot === NONE || this.keys[slot] === id) return slot;
    }
  }

  /** The user handle of the message in `slot`. */
  userOf(slot: number): number { return this.users[slot]; }

  /** Largest recipient total already counted (Infinity for a requeued copy: counted on the original). */
  recipientsOf(slot: number): number { return this.counted[slot]; }

  setRecipients(slot: number, n: number): void { this.counted[slot] = n; }

  /**
   * Remembers message `id` (replacing one under the same ID) for `user`, then
   * drops the oldest while more than `max` are remembered.
   */
  add(id: string, user: number, recipients: number, time: number, max: number): void {
    // Retained first: replacing the user's only message must not free the handle.
    this.handles.retain(user);
    this.delete(id);
    const slot = this.takeSlot();
    const hash = hashOf(id);
    // A copy of the queue ID: a slice would keep its log line alive while the message is remembered.
    this.keys[slot] = keptCopy(id);
    this.hashes[slot] = hash;
    this.users[slot] = user;
    this.counted[slot] = recipients;
    this.created[slot] = time;
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = slot; else this.oldest = slot;
    this.newest = slot;
    this.place(slot, hash);
    this.count++;
    while (this.count > max) {
      this.remove(this.oldest);
      this.dropped++;
    }
  }

  delete(id: string): void {
    const slot = this.find(id);
    if (slot !== NONE) this.remove(slot);
  }

  /** Drops the messages remembered before log time `before`, oldest first (stops at the first newer one). */
  expire(before: number): void {
    while (this.oldest !== NONE && this.created[this.oldest] < before) this.remove(this.oldest);
  }

  /** Puts `slot` in the first empty bucket from its hash on. */
  private place(slot: number, hash: number): void {
    const mask = this.buckets.length - 1;
    let b = hash & mask;
    while (this.buckets[b] !== NONE) b = (b + 1) & mask;
    this.buckets[b] = slot;
  }

  private remove(slot: number): void {
    const mask = this.buckets.length - 1;
    let b = this.hashes[slot] & mask;
    while (this.buckets[b] !== slot) b = (b + 1) & mask;
    // Backward-shift deletion: later entries of the run move up into the gap
    // unless their own bucket lies after it, so lookups never need tombstones.
    for (let next = (b + 1) & mask; this.buckets[next] !== NONE; next = (next + 1) & mask) {
      const home = this.hashes[this.buckets[next]] & mask;
      if (((next - home) & mask) >= ((next - b) & mask)) {
        this.buckets[b] = this.buckets[next];
        b = next;
      }
    }
    this.buckets[b] = NONE;
    const o = this.older[slot], n = this.newer[slot];
    if (o !== NONE) this.newer[o] = n; else this.oldest = n;
    if (n !== NONE) this.older[n] = o; else this.newest = o;
    this.handles.release(this.users[slot]);
    this.keys[slot] = '';
    this.newer[slot] = this.free;
    this.free = slot;
    this.count--;
  }

  private takeSlot(): number {
    const f = this.free;
    if (f !== NONE) {
      this.free = this.newer[f];
      return f;
    }
    if (this.used === this.users.length) this.grow();
    this.keys.push('');
    return this.used++;
  }

  /** Twice the slots and buckets; every remembered message is placed again. */
  private grow(): void {
    this.hashes = grownInt32(this.hashes);
    this.users = grownInt32(this.users);
    this.counted = grownFloat64(this.counted);
    this.created = grownFloat64(this.created);
    this.older = grownInt32(this.older);
    this.newer = grownInt32(this.newer);
    this.buckets = new Int32Array(2 * this.users.length).fill(NONE);
    for (let s = this.oldest; s !== NONE; s = this.newer[s]) this.place(s, this.hashes[s]);
  }
}
