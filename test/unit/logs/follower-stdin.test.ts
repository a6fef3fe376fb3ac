import { PassThrough } from 'node:stream';
import { Follower } from '../../../src/logs/follower';
import { createLogger } from '../../../src/log';
import { POSTFIX, until } from './follower-helpers';

function stdinFollower(opts: { maxLineBytes?: number; pollIntervalMs?: number } = {}) {
  const input = new PassThrough();
  const lines: string[] = [];
  const events: string[] = [];
  const logs: string[] = [];
  const follower = new Follower({
    path: '-',
    startAt: 'end',
    stateFile: '/nonexistent/ignored-for-stdin.json',
    input,
    pollIntervalMs: 0,
    logger: createLogger({ level: 'debug', format: 'logfmt', write: (l) => logs.push(l) }),
    ...opts,
    onLines: (batch) => lines.push(...batch),
  });
  follower.on('up', () => events.push('up')).on('down', () => events.push('down'));
  return { input, lines, events, logs, follower };
}

test('standard input: lines split across chunks, a split UTF-8 character, CRLF, a long line; the unfinished last line at the end', async () => {
  const s = stdinFollower({ maxLineBytes: 200 });
  await s.follower.start();
  expect(s.follower.stats.up).toBe(true);
  const euro = Buffer.from('€');
  s.input.write(`${POSTFIX[0]}\r\n${POSTFIX[1].slice(0, 40)}`);
  s.input.write(Buffer.concat([Buffer.from(POSTFIX[1].slice(40) + '\n5'), euro.subarray(0, 2)]));
  s.input.write(Buffer.concat([euro.subarray(2), Buffer.from('\n' + 'z'.repeat(1000) + '\nno newline at the end')]));
  await until('four lines', () => s.lines.length === 4);
  expect(s.lines).toEqual([POSTFIX[0], POSTFIX[1], '5€', 'z'.repeat(200)]);
  expect(s.follower.stats).toMatchObject({ lines: 4, truncatedLines: 1, up: true });
  s.input.end();
  await until('the end of input', () => !s.follower.stats.up);
  expect(s.lines).toEqual([POSTFIX[0], POSTFIX[1], '5€', 'z'.repeat(200), 'no newline at the end']);
  const bytes = Buffer.byteLength(`${POSTFIX[0]}\r\n${POSTFIX[1]}\n5€\n${'z'.repeat(1000)}\nno newline at the end`);
  expect(s.follower.stats).toEqual({ bytesRead: bytes, lines: 5, truncatedLines: 1, rotations: 0, up: false, position: bytes });
  expect(s.events).toEqual(['up', 'down']);
  await s.follower.stop();
});

test('poll() reads what the stream holds now', async () => {
  const s = stdinFollower();
  await s.follower.start();
  s.input.write('a\nb\nc');
  await s.follower.poll();
  expect(s.lines).toEqual(['a', 'b']);
  expect(s.follower.stats.position).toBe(4);
  await s.follower.stop();
  s.input.write('\nd\n'); // after stop: not read
  await s.follower.poll();
  expect(s.lines).toEqual(['a', 'b']);
  expect(s.input.listenerCount('readable')).toBe(0);
});

test('a stream error: down, logged, no crash', async () => {
  const s = stdinFollower();
  await s.follower.start();
  s.input.destroy(Object.assign(new Error('boom'), { code: 'EPIPE' }));
  await until('down', () => !s.follower.stats.up);
  expect(s.logs.filter((l) => l.includes('msg="error reading standard input"') && l.includes('err=EPIPE'))).toHaveLength(1);
  await s.follower.stop();
});

test('the real loop on standard input needs no poll()', async () => {
  const s = stdinFollower({ pollIntervalMs: 10 });
  await s.follower.start();
  s.input.write('one\ntwo\n');
  await until('two lines', () => s.lines.length === 2);
  expect(s.lines).toEqual(['one', 'two']);
  await s.follower.stop();
});
