// The per-user part of /metrics as cached UTF-8 blocks.
//
// Why: at 10,000 users the per-user families are ~110,000 lines (7 MiB).
// Joining that many pieces and encoding the result on every scrape cost
// 30–40 ms. Users are kept here in a stable order (the order they started
// being tracked, not the recency order of MailStats.users, which changes on
// every message), cut into blocks of BLOCK_SIZE users; each block keeps one
// Buffer per family and is rebuilt only when one of its users changed, left
// or was re-rendered. A scrape then writes a few hundred ready Buffers.
//
// A user that leaves (evicted, or its record reused for another name) leaves
// a hole; the order is compacted when holes are more than half of it, on
// add() as well as on render(): under user churn with nobody scraping (a
// cardinality attack, Prometheus down) the order would otherwise keep one entry
// for every user ever tracked (245,000 after one attack run).

export const BLOCK_SIZE = 256;

/** What a block needs from a user record. */
export interface BlockMember {
  /** False once evicted. */
  readonly tracked: boolean;
  /** Bumped when the record stops standing for its user (released); an entry of another generation is a hole. */
  readonly generation: number;
  /** The user's text of family `f` (0 ≤ f < families). */
  familyText(f: number): string;
}

interface Entry<U extends BlockMember> { user: U; generation: number }

interface Block {
  /** Members alive at the last build. */
  alive: number;
  /** One Buffer per family, or undefined when the block must be rebuilt. */
  buffers: Buffer[] | undefined;
}

export class UserBlocks<U extends BlockMember> {
  private order: Entry<U>[] = [];
  private blocks: Block[] = [];
  private holes = 0;

  constructor(private readonly families: number) {}

  /** Entries in the order, holes included (for tests: bounded by twice the live users plus a block). */
  get entries(): number { return this.order.length; }

  /** A user that starts being tracked (new, or a record reused for a new name). */
  add(user: U): void {
    this.compactIfSparse();
    this.order.push({ user, generation: user.generation });
    const b = Math.floor((this.order.length - 1) / BLOCK_SIZE);
    if (b === this.blocks.length) this.blocks.push({ alive: 0, buffers: undefined });
    else this.blocks[b].buffers = undefined;
  }

  /** A user added before stopped being tracked (or its record was released): its entry is a hole now. */
  left(): void {
    this.holes++;
  }

  /** Forget every user (a change of label values starts the series afresh). */
  clear(): void {
    this.order = [];
    this.blocks = [];
    this.holes = 0;
  }

  /**
   * Per family, the blocks' Buffers in order. `refresh(user)` is called for
   * each live user first and returns true when it re-rendered the user's text.
   */
  render(refresh: (user: U) => boolean): Buffer[][] {
    this.compactIfSparse();
    const out: Buffer[][] = Array.from({ length: this.families }, () => []);
    let holes = 0;
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      const from = b * BLOCK_SIZE;
      const to = Math.min(from + BLOCK_SIZE, this.order.length);
      let alive = 0;
      let changed = false;
      for (let i = from; i < to; i++) {
        const e = this.order[i];
        if (!isLive(e)) { holes++; continue; }
        alive++;
        if (refresh(e.user)) changed = true;
      }
      if (changed || alive !== block.alive || block.buffers === undefined) {
        block.buffers = this.build(from, to);
        block.alive = alive;
      }
      for (let f = 0; f < this.families; f++) if (block.buffers[f].length > 0) out[f].push(block.buffers[f]);
    }
    this.holes = holes;
    return out;
  }

  private build(from: number, to: number): Buffer[] {
    const buffers: Buffer[] = [];
    for (let f = 0; f < this.families; f++) {
      let text = '';
      for (let i = from; i < to; i++) {
        const e = this.order[i];
        if (isLive(e)) text += e.user.familyText(f);
      }
      buffers.push(Buffer.from(text, 'utf8'));
    }
    return buffers;
  }

  /** Compacts the order when holes are more than half of it (and more than a block). */
  private compactIfSparse(): void {
    if (this.holes > BLOCK_SIZE && this.holes * 2 > this.order.length) this.compact();
  }

  private compact(): void {
    this.order = this.order.filter(isLive);
    this.blocks = Array.from({ length: Math.ceil(this.order.length / BLOCK_SIZE) }, () => ({ alive: 0, buffers: undefined }));
    this.holes = 0;
  }
}

function isLive<U extends BlockMember>(e: Entry<U>): boolean {
  return e.user.tracked && e.user.generation === e.generation;
}
