import { createLogger, formatLine, logfmtValue } from '../../src/log';

const t = new Date('2026-11-28T10:00:00.000Z');

test('logfmt quotes values that need it and cannot be split by a newline', () => {
  expect(logfmtValue('plain')).toBe('plain');
  expect(logfmtValue('two words')).toBe('"two words"');
  expect(logfmtValue('')).toBe('""');
  expect(logfmtValue('a=b')).toBe('"a=b"');
  expect(logfmtValue('evil\nts=forged level=error')).toBe('"evil\\nts=forged level=error"');
});

test('logfmt line', () => {
  expect(formatLine('logfmt', t, 'info', 'configuration loaded', { source: '/etc/x.yml', n: 3 }))
    .toBe('ts=2026-11-28T10:00:00.000Z level=info msg="configuration loaded" source=/etc/x.yml n=3');
});

test('json line', () => {
  expect(JSON.parse(formatLine('json', t, 'warn', 'x', { err: new Error('boom'), n: 1 })))
    .toEqual({ ts: '2026-11-28T10:00:00.000Z', level: 'warn', msg: 'x', err: 'boom', n: 1 });
});

test('level filter and child fields', () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', format: 'logfmt', write: (l) => lines.push(l), now: () => t });
  log.info('hidden');
  log.child({ component: 'dnsbl' }).warn('shown', { list: 'zen' });
  expect(lines).toEqual(['ts=2026-11-28T10:00:00.000Z level=warn msg=shown component=dnsbl list=zen']);
});
