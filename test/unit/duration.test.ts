import { formatDuration, parseDuration } from '../../src/config/duration';

test.each([
  ['500ms', 500], ['30s', 30_000], ['5m', 300_000], ['1h30m', 5_400_000], ['7d', 604_800_000],
  ['1w', 604_800_000], ['0', 0], ['1.5s', 1500], [' 2s ', 2000],
])('parseDuration(%j) = %d', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

test.each(['', '5', 's', '5x', '5 m', '-1s', 'm5', '5s3'])('parseDuration(%j) is invalid', (text) => {
  expect(parseDuration(text)).toBeUndefined();
});

test.each([[0, '0s'], [500, '500ms'], [2000, '2s'], [300_000, '5m'], [7_200_000, '2h'], [604_800_000, '7d']])('formatDuration(%d) = %s', (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});
