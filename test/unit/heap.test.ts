// tuneHeap: the exporter sets V8's old-generation growing factor unless the
// operator gave node one (command line or NODE_OPTIONS).
import { execFileSync } from 'node:child_process';
import { HEAP_GROWING_PERCENT, tuneHeap } from '../../src/heap';

test.each([
  [[], '', `--heap-growing-percent=${HEAP_GROWING_PERCENT}`],
  [['--heap-growing-percent=60'], '', undefined],
  [['--heap_growing_percent', '60'], '', undefined],
  [[], '--max-old-space-size=512 --heap-growing-percent=10', undefined],
  [[], '--heap-growing-percentage-is-not-a-flag', `--heap-growing-percent=${HEAP_GROWING_PERCENT}`],
])('execArgv %j, NODE_OPTIONS %j → %s', (execArgv, nodeOptions, expected) => {
  expect(tuneHeap(execArgv, nodeOptions)).toBe(expected);
});

test('the flag is one this node\'s V8 knows (node accepts it and rejects a misspelling)', () => {
  // setFlagsFromString ignores unknown flags silently, so prove the name here.
  const out = execFileSync(process.execPath, ['--heap-growing-percent=30', '-e', 'console.log("ok")'], { encoding: 'utf8' });
  expect(out.trim()).toBe('ok');
  expect(() => execFileSync(process.execPath, ['--heap-growing-percent-typo=30', '-e', '1'], { stdio: 'pipe' })).toThrow(/bad option/);
});
