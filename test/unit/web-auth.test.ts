// Basic auth: the unknown-user path does the same bcrypt work as a wrong
// password (checked by counting calls to an injected compare, never by timing),
// only successes are cached, and the real bcryptjs verifies real hashes.
import bcrypt from 'bcryptjs';
import { BasicAuth, bcryptCost, dummyHash, parseBasicCredentials, type PasswordCompare } from '../../src/web/auth';
import { isBcryptHash } from '../../src/web/web-config';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const ALICE_HASH = bcrypt.hashSync('alice-password', 4);
const BOB_HASH = bcrypt.hashSync('bob-password', 5);

/** The real bcrypt compare, recording every call. */
function countingCompare(): { compare: PasswordCompare; calls: { password: string; hash: string }[] } {
  const calls: { password: string; hash: string }[] = [];
  return {
    calls,
    compare: async (password, hash) => {
      calls.push({ password, hash });
      return bcrypt.compare(password, hash);
    },
  };
}

describe('parseBasicCredentials', () => {
  test.each<[string | undefined, { user: string; password: string } | undefined]>([
    [header('alice', 'secret'), { user: 'alice', password: 'secret' }],
    [`basic ${Buffer.from('alice:secret').toString('base64')}`, { user: 'alice', password: 'secret' }],
    [`BASIC ${Buffer.from('alice:se:cr:et').toString('base64')}`, { user: 'alice', password: 'se:cr:et' }],
    [header('', ''), { user: '', password: '' }],
    [header('jörg', 'pässwörd'), { user: 'jörg', password: 'pässwörd' }],
    [undefined, undefined],
    ['', undefined],
    ['Basic', undefined],
    ['Basic ', undefined],
    ['Bearer abc.def.ghi', undefined],
    [`Basic ${Buffer.from('no-colon').toString('base64')}`, undefined],
    ['Basic not base64!', undefined],
    ['Basic YWxpY2U6c2VjcmV0===', undefined],
  ])('%j', (input, expected) => {
    expect(parseBasicCredentials(input)).toEqual(expected);
  });
});

test('bcryptCost and dummyHash: a valid hash of that cost that no password matches', () => {
  expect(bcryptCost(ALICE_HASH)).toBe(4);
  expect(bcryptCost('$2y$12$' + 'a'.repeat(53))).toBe(12);
  const d = dummyHash(11);
  expect(d).toHaveLength(60);
  expect(isBcryptHash(d)).toBe(true);
  expect(bcryptCost(d)).toBe(11);
  expect(dummyHash(11)).not.toBe(d);
  const d4 = dummyHash(4);
  expect(bcrypt.compareSync('', d4)).toBe(false);
  expect(bcrypt.compareSync('alice-password', d4)).toBe(false);
});

describe('BasicAuth', () => {
  const users = new Map([['alice', ALICE_HASH], ['bob', BOB_HASH]]);

  test('no users: disabled', () => {
    expect(new BasicAuth(new Map()).enabled).toBe(false);
    expect(new BasicAuth(users).enabled).toBe(true);
  });

  test('right password ok; wrong password, unknown user and no credentials denied', async () => {
    const auth = new BasicAuth(users);
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(await auth.check(header('bob', 'bob-password'))).toBe('ok');
    expect(await auth.check(header('alice', 'bob-password'))).toBe('denied');
    expect(await auth.check(header('mallory', 'alice-password'))).toBe('denied');
    expect(await auth.check(header('Alice', 'alice-password'))).toBe('denied');
    expect(await auth.check(undefined)).toBe('denied');
    expect(await auth.check('Basic !!!')).toBe('denied');
  });

  test('$2y$ (htpasswd) and $2a$ hashes verify', async () => {
    const auth = new BasicAuth(new Map([['y', ALICE_HASH.replace('$2b$', '$2y$')], ['a', ALICE_HASH.replace('$2b$', '$2a$')]]));
    expect(await auth.check(header('y', 'alice-password'))).toBe('ok');
    expect(await auth.check(header('a', 'alice-password'))).toBe('ok');
    expect(await auth.check(header('y', 'wrong'))).toBe('denied');
  });

  test('an unknown user costs one bcrypt compare, against a dummy of the highest configured cost', async () => {
    const { compare, calls } = countingCompare();
    const auth = new BasicAuth(users, { compare });
    expect(await auth.check(header('mallory', 'guess'))).toBe('denied');
    expect(calls.length).toBe(1);
    expect(calls[0].password).toBe('guess');
    expect(calls[0].hash).not.toBe(ALICE_HASH);
    expect(calls[0].hash).not.toBe(BOB_HASH);
    expect(isBcryptHash(calls[0].hash)).toBe(true);
    expect(bcryptCost(calls[0].hash)).toBe(5);

    // A wrong password for a real user: exactly the same number of compares.
    expect(await auth.check(header('bob', 'guess'))).toBe('denied');
    expect(calls.length).toBe(2);
    expect(calls[1]).toEqual({ password: 'guess', hash: BOB_HASH });
  });

  test('failures are never cached: every attempt pays a compare', async () => {
    const { compare, calls } = countingCompare();
    const auth = new BasicAuth(users, { compare });
    for (let i = 0; i < 3; i++) expect(await auth.check(header('alice', 'wrong'))).toBe('denied');
    for (let i = 0; i < 3; i++) expect(await auth.check(header('nobody', 'wrong'))).toBe('denied');
    expect(calls.length).toBe(6);
  });

  test('a success is cached until the TTL, per (user, password)', async () => {
    const { compare, calls } = countingCompare();
    let now = 1_000_000;
    const auth = new BasicAuth(users, { compare, now: () => now, cacheTtlMs: 60_000 });
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(calls.length).toBe(1);
    now += 59_999;
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(calls.length).toBe(1);
    // A different password for a cached user is checked, and fails.
    expect(await auth.check(header('alice', 'alice-password2'))).toBe('denied');
    expect(calls.length).toBe(2);
    now += 1;
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(calls.length).toBe(3);
  });

  test('the cache is bounded: the oldest verified credential is dropped', async () => {
    const { compare, calls } = countingCompare();
    const auth = new BasicAuth(users, { compare, cacheMaxEntries: 1 });
    await auth.check(header('alice', 'alice-password'));
    await auth.check(header('bob', 'bob-password'));
    expect(calls.length).toBe(2);
    expect(await auth.check(header('bob', 'bob-password'))).toBe('ok');
    expect(calls.length).toBe(2);
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(calls.length).toBe(3);
  });

  test('beyond maxConcurrentChecks compares in flight: busy, without a compare; a cached credential still gets in', async () => {
    const release: (() => void)[] = [];
    let started = 0;
    const compare: PasswordCompare = (password, hash) => {
      started++;
      return new Promise((resolve) => release.push(() => resolve(bcrypt.compareSync(password, hash))));
    };
    const auth = new BasicAuth(users, { compare, maxConcurrentChecks: 2 });
    const first = auth.check(header('alice', 'alice-password'));
    release.shift()!();
    expect(await first).toBe('ok');

    const pending = [auth.check(header('bob', 'x')), auth.check(header('nobody', 'y'))];
    expect(await auth.check(header('bob', 'bob-password'))).toBe('busy');
    expect(started).toBe(3);
    expect(await auth.check(header('alice', 'alice-password'))).toBe('ok');
    expect(started).toBe(3);
    for (const r of release.splice(0)) r();
    expect(await Promise.all(pending)).toEqual(['denied', 'denied']);
    const later = auth.check(header('bob', 'bob-password'));
    release.shift()!();
    expect(await later).toBe('ok');
  });

  test('a compare that throws is a denial', async () => {
    const auth = new BasicAuth(users, { compare: async () => { throw new Error('boom'); } });
    expect(await auth.check(header('alice', 'alice-password'))).toBe('denied');
  });
});
