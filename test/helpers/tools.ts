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

/**
 * promtool's unit heuristic reads "hours" in a name as a duration. These
 * contract names count distinct clock hours (0–24), which is not a duration in
 * another unit, so the finding is accepted for exactly these names — the way
 * node_exporter's checkmetrics.sh allow-lists its known exceptions.
 */
export const PROMTOOL_ALLOWED = [
  'mailrep_user_active_hours use base unit "seconds" instead of "hours"',
  'mailrep_user_active_hours_threshold use base unit "seconds" instead of "hours"',
];

/** `promtool check metrics` on exposition text: returns promtool's complaints ('' when clean), less the allow-listed ones. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const promtool = requireTool('promtool');
  const res = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  const lines = (res.stdout + res.stderr).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !PROMTOOL_ALLOWED.includes(l));
  // promtool exits 3 for lint findings only; with nothing left after the allow-list that is clean.
  const status = res.status === 3 && lines.length === 0 ? 0 : res.status;
  return { status, output: lines.join('\n') };
}
