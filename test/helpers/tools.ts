// Real external tools (Debian packages installed by scripts/install-test-deps.sh).
import { spawnSync } from 'node:child_process';

export function requireTool(name: string): string {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = res.stdout.trim();
  if (res.status !== 0 || path === '') {
    throw new Error(`${name} is not installed: run scripts/install-test-deps.sh`);
  }
  return path;
}

/** `promtool check metrics` on exposition text: returns promtool's complaints ('' when clean). */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const promtool = requireTool('promtool');
  const res = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: res.status, output: (res.stdout + res.stderr).trim() };
}
