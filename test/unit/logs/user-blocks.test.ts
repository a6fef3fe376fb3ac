// The per-user render cache: blocks of users in a stable order, each block's
// Buffers rebuilt only when one of its users changed or left; holes from
// evictions and reused records; compaction.
import fc from 'fast-check';
import { BLOCK_SIZE, UserBlocks, type BlockMember } from '../../../src/logs/user-blocks';
import { MailStats } from '../../../src/logs/stats';

class FakeUser implements BlockMember {
  tracked = true;
  generation = 0;
  rendered: string[];
  dirty = true;
  constructor(public name: string) { this.rendered = [`a{u="${name}"} 1\n`, `b{u="${name}"} 2\n`]; }
  familyText(f: number): string { return this.rendered[f]; }
}

const refresh = (u: FakeUser) => { const d = u.dirty; u.dirty = false; return d; };
const text = (out: Buffer[][]) => out.map((f) => Buffer.concat(f).toString());

test('every live user once per family, in the order they were added', () => {
  const blocks = new UserBlocks<FakeUser>(2);
  const users = Array.from({ length: 600 }, (_, i) => new FakeUser(`u${i}`));
  for (const u of users) blocks.add(u);
  const out = blocks.render(refresh);
  expect(out.map((f) => f.length)).toEqual([3, 3]); // 600 users = 3 blocks of ≤ 256
  expect(text(out)[0]).toBe(users.map((u) => `a{u="${u.name}"} 1\n`).join(''));
  expect(text(out)[1]).toBe(users.map((u) => `b{u="${u.name}"} 2\n`).join(''));
});

test('unchanged blocks keep their Buffers; a change rebuilds only its block', () => {
  const blocks = new UserBlocks<FakeUser>(2);
  const users = Array.from({ length: 3 * BLOCK_SIZE }, (_, i) => new FakeUser(`u${i}`));
  for (const u of users) blocks.add(u);
  const first = blocks.render(refresh);
  const again = blocks.render(refresh);
  expect(again[0].every((b, i) => b === first[0][i])).toBe(true);
  users[BLOCK_SIZE + 5].rendered = ['a{u="changed"} 9\n', ''];
  users[BLOCK_SIZE + 5].dirty = true;
  const third = blocks.render(refresh);
  expect(third[0][0]).toBe(first[0][0]);
  expect(third[0][1]).not.toBe(first[0][1]);
  expect(third[0][2]).toBe(first[0][2]);
  expect(third[0][1].toString()).toContain('a{u="changed"} 9\n');
  // An empty family text in a block is left out rather than written as an empty piece.
  expect(third[1].length).toBe(3);
});

test('an evicted user leaves a hole; a reused record is a new entry at the end, its old place a hole', () => {
  const blocks = new UserBlocks<FakeUser>(2);
  const [a, b, c] = ['a', 'b', 'c'].map((n) => new FakeUser(n));
  [a, b, c].forEach((u) => blocks.add(u));
  blocks.render(refresh);
  b.tracked = false;
  expect(text(blocks.render(refresh))[0]).toBe('a{u="a"} 1\na{u="c"} 1\n');
  // a is released and its record stands for "d" now.
  a.generation++;
  a.name = 'd';
  a.rendered = ['a{u="d"} 1\n', 'b{u="d"} 2\n'];
  a.dirty = true;
  blocks.add(a);
  expect(text(blocks.render(refresh))[0]).toBe('a{u="c"} 1\na{u="d"} 1\n');
});

test('property: after any adds, evictions and reuses, the text is exactly the live users in order', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('add', 'evict', 'reuse', 'render'), fc.nat(2000)), { maxLength: 3000 }), (ops) => {
    const blocks = new UserBlocks<FakeUser>(2);
    const live: FakeUser[] = [];
    let n = 0;
    for (const [op, k] of ops) {
      if (op === 'add' || live.length === 0) { const u = new FakeUser(`n${n++}`); live.push(u); blocks.add(u); continue; }
      const i = k % live.length;
      const u = live[i];
      if (op === 'evict') { u.tracked = false; live.splice(i, 1); }
      else if (op === 'reuse') {
        u.generation++; u.name = `n${n++}`; u.rendered = [`a{u="${u.name}"} 1\n`, `b{u="${u.name}"} 2\n`]; u.dirty = true;
        live.splice(i, 1); live.push(u); blocks.add(u);
      } else blocks.render(refresh);
    }
    expect(text(blocks.render(refresh))[0]).toBe(live.map((u) => `a{u="${u.name}"} 1\n`).join(''));
  }), { numRuns: 60 });
});

test('MailStats: chunks and text agree, evicted users vanish, the next render reuses unchanged blocks', () => {
  const s = new MailStats({
    maxUsers: 300, userIdleTtlMs: 7 * 86_400_000, maxMessages: 1000, messageTtlMs: 86_400_000,
    maxDistinctPerUser: 16, knownUsers: [], userLabel: (u) => u, classifyReply: () => undefined,
  });
  const T0 = Date.UTC(2026, 11, 1);
  for (let i = 0; i < 400; i++) s.apply({ type: 'submission', time: T0 + i * 61_000, messageId: `m${i}`, user: `user${i}` });
  const chunks = s.renderChunks();
  const text = Buffer.concat(chunks).toString();
  expect(s.render()).toBe(text);
  expect((text.match(/^mailrep_user_messages_total\{/gm) ?? []).length).toBe(300);
  expect(text).not.toContain('user="user99"}');
  expect(text).toContain('user="user100"}');
  const again = s.renderChunks();
  expect(again.length).toBe(chunks.length);
  expect(again.filter((b, i) => b === chunks[i]).length).toBeGreaterThan(chunks.length / 2);
});

test('churn without a scrape: the order stays bounded by the live users, not every user ever added', () => {
  // What MailStats does at its user cap: each new user evicts the oldest (left()) and is added.
  const blocks = new UserBlocks<FakeUser>(2);
  const live: FakeUser[] = [];
  for (let i = 0; i < 50_000; i++) {
    if (live.length === 100) {
      live.shift()!.tracked = false;
      blocks.left();
    }
    const u = new FakeUser(`u${i}`);
    live.push(u);
    blocks.add(u);
  }
  expect(blocks.entries).toBeLessThanOrEqual(2 * 100 + 2 * BLOCK_SIZE + 1);
  const out = text(blocks.render(refresh));
  expect(out[0]).toBe(live.map((u) => `a{u="${u.name}"} 1\n`).join(''));
});

test('MailStats at its user cap, never rendered: the render cache does not grow with the users evicted', () => {
  const s = new MailStats({
    maxUsers: 50, userIdleTtlMs: 7 * 86_400_000, maxMessages: 1000, messageTtlMs: 86_400_000,
    maxDistinctPerUser: 16, knownUsers: [], userLabel: (u) => u, classifyReply: () => undefined,
  });
  const T0 = Date.UTC(2026, 11, 4);
  for (let i = 0; i < 20_000; i++) s.apply({ type: 'submission', time: T0 + i, messageId: `m${i}`, user: `user${i}` });
  expect(s.users.size).toBe(50);
  expect(s.evicted).toBe(20_000 - 50);
  expect((s as unknown as { blocks: UserBlocks<BlockMember> }).blocks.entries).toBeLessThanOrEqual(2 * 50 + 2 * BLOCK_SIZE + 1);
  // ...and what it renders is exactly the 50 users still tracked.
  const text = Buffer.concat(s.renderChunks()).toString();
  expect((text.match(/^mailrep_user_messages_total\{/gm) ?? []).length).toBe(50);
  expect(text).toContain('user="user19999"}');
  expect(text).not.toContain('user="user19949"}');
});
