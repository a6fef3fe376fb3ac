// The open-message table against a plain Map model: random adds (with
// replacement), deletes, expiry and the cap, over few enough IDs that hash
// runs collide and backward-shift deletion is exercised; plus the handles'
// lifetimes (a name lives while a record or a message holds it).
import fc from 'fast-check';
import { MessageTable, UserHandles } from '../../../src/logs/message-table';

interface Model { user: string; recipients: number; time: number }

type Op =
  | { op: 'add'; id: number; user: number; recipients: number }
  | { op: 'delete'; id: number }
  | { op: 'expire'; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), id: fc.nat(3000), user: fc.nat(40), recipients: fc.nat(50) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), id: fc.nat(3000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), back: fc.nat(400) }) },
);

test('behaves like an insertion-ordered Map with a cap and expiry (random operations)', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 500, maxLength: 4000, size: 'max' }), fc.integer({ min: 1, max: 1500 }), (ops, max) => {
    const handles = new UserHandles<object>();
    const table = new MessageTable(handles);
    const model = new Map<string, Model>();
    let time = 0;
    let dropped = 0;
    for (const o of ops) {
      time++;
      if (o.op === 'add') {
        const id = `Q${o.id.toString(16).toUpperCase()}`;
        const user = `user${o.user}@example.com`;
        table.add(id, handles.handleFor(user), o.recipients, time, max);
        model.delete(id);
        model.set(id, { user, recipients: o.recipients, time });
        while (model.size > max) { model.delete(model.keys().next().value!); dropped++; }
      } else if (o.op === 'delete') {
        const id = `Q${o.id.toString(16).toUpperCase()}`;
        table.delete(id);
        model.delete(id);
      } else {
        const before = time - o.back;
        table.expire(before);
        for (const [id, m] of model) { if (m.time >= before) break; model.delete(id); }
      }
    }
    expect(table.size).toBe(model.size);
    expect(table.dropped).toBe(dropped);
    for (const [id, m] of model) {
      const slot = table.find(id);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(handles.name(table.userOf(slot))).toBe(m.user);
      expect(table.recipientsOf(slot)).toBe(m.recipients);
    }
    for (let i = 0; i <= 3000; i += 7) {
      const id = `Q${i.toString(16).toUpperCase()}`;
      if (!model.has(id)) expect(table.find(id)).toBe(-1);
    }
    // Handles: exactly the users of remembered messages are alive (none has a record here).
    expect(handles.size).toBe(new Set([...model.values()].map((m) => m.user)).size);
  }), { numRuns: 60 });
});

test('a handle lives while its record or a message holds it, then its number is reused', () => {
  const handles = new UserHandles<{ n: string }>();
  const table = new MessageTable(handles);
  const sam = handles.handleFor('sam@example.com');
  const record = { n: 'sam' };
  handles.attach(sam, record);
  table.add('A1', sam, 0, 1, 100);
  table.add('A2', sam, 0, 2, 100);
  handles.detach(sam); // evicted: the queued messages still name the user
  expect(handles.record(sam)).toBeUndefined();
  expect(handles.name(sam)).toBe('sam@example.com');
  expect(handles.handleFor('sam@example.com')).toBe(sam);
  table.delete('A1');
  expect(handles.size).toBe(1);
  table.add('A2', sam, 5, 3, 100); // replacing the user's only message keeps the handle
  expect(handles.size).toBe(1);
  table.delete('A2');
  expect(handles.size).toBe(0);
  const other = handles.handleFor('alice@example.com');
  expect(other).toBe(sam); // the freed number
  expect(handles.name(other)).toBe('alice@example.com');
});

test('grows past its first size with every message still found', () => {
  const handles = new UserHandles<object>();
  const table = new MessageTable(handles);
  const u = handles.handleFor('bulk@example.com');
  for (let i = 0; i < 50_000; i++) table.add(`ID${i}`, u, i, i, 1_000_000);
  expect(table.size).toBe(50_000);
  let found = 0;
  for (let i = 0; i < 50_000; i++) if (table.recipientsOf(table.find(`ID${i}`)) === i) found++;
  expect(found).toBe(50_000);
  table.expire(25_000);
  expect(table.size).toBe(25_000);
  expect(table.find('ID24999')).toBe(-1);
  expect(table.find('ID25000')).toBeGreaterThanOrEqual(0);
});
