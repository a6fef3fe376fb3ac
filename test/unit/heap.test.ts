// tuneHeap: the exporter sets V8's old-generation growing factor unless the
// operator chose otherwise (MAILREP_HEAP_GROWING_PERCENT, or the flag on node's command line).
import { execFileSync } from 'node:child_process';
import { HEAP_ENV, HEAP_GROWING_PERCENT, tuneHeap } from '../../src/heap';

test.each([
  [[], {}, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`],
  [[], { [HEAP_ENV]: '' }, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`],
  [[], { [HEAP_ENV]: '0' }, '--heap-growing-percent=0'],
  [[], { [HEAP_ENV]: ' 50 ' }, '--heap-growing-percent=50'],
  [['--heap-growing-percent=60'], { [HEAP_ENV]: '10' }, undefined],
  [['--heap_growing_percent', '60'], {}, undefined],
  [['--heap-growing-percentage-is-not-a-flag'], {}, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`],
])('execArgv %j, env %j → %s', (execArgv, env, expected) => {
  expect(tuneHeap(execArgv, env)).toBe(expected);
});

test.each(['30%', '-5', 'lots', '1e3', '99999'])('a malformed %s is a clear error naming the variable', (raw) => {
  expect(() => tuneHeap([], { [HEAP_ENV]: raw })).toThrow(`${HEAP_ENV}: expected a whole number of percent (0 = V8's own choice), got "${raw}"`);
});

test('the flag is one this node\'s V8 knows (node accepts it and rejects a misspelling)', () => {
  // setFlagsFromString ignores unknown flags silently, so prove the name here.
  const out = execFileSync(process.execPath, ['--heap-growing-percent=30', '-e', 'console.log("ok")'], { encoding: 'utf8' });
  expect(out.trim()).toBe('ok');
  expect(() => execFileSync(process.execPath, ['--heap-growing-percent-typo=30', '-e', '1'], { stdio: 'pipe' })).toThrow(/bad option/);
});
