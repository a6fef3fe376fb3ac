// One check round: canaries first (a list that fails them is blind, so its
// results are unknown(list_unhealthy) and it is not queried for targets), then
// every target × list pair that applies, through a fixed pool of workers so at
// most `concurrency` checks are in flight however many pairs there are.
import type { DnsLookup } from './dns';
import type { CheckTarget, ListDefinition, Verdict } from './model';
import { checkCanaries, checkTarget } from './check';
import { queryName } from './query-names';

export interface PairResult { target: string; list: ListDefinition; verdict: Verdict; time: number }
export interface CanaryResult { list: ListDefinition; healthy: boolean; detail: string; time: number }

export interface RoundOptions {
  lookup: DnsLookup;
  lists: readonly ListDefinition[];
  targets: readonly CheckTarget[];
  concurrency: number;
  now?: () => number;
  /** Each finished check, with its duration in seconds (metrics). */
  onCheck?(result: PairResult, seconds: number): void;
  onCanary?(result: CanaryResult): void;
}

export interface RoundResult { canaries: CanaryResult[]; results: PairResult[]; queries: number }

/** Runs `work` over `items` with at most `concurrency` in flight; keeps order of results. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export async function runRound(opts: RoundOptions): Promise<RoundResult> {
  const now = opts.now ?? Date.now;
  const canaries = await pool(opts.lists.filter((l) => l.canaries), opts.concurrency, async (list) => {
    const r = await checkCanaries(opts.lookup, list);
    const result: CanaryResult = { list, healthy: r.healthy, detail: r.detail, time: now() };
    opts.onCanary?.(result);
    return result;
  });
  const unhealthy = new Map(canaries.filter((c) => !c.healthy).map((c) => [c.list.name, c.detail]));

  const pairs: { target: CheckTarget; list: ListDefinition }[] = [];
  for (const target of opts.targets) {
    for (const list of opts.lists) if (queryName(list, target) !== undefined) pairs.push({ target, list });
  }
  let queries = 0;
  const results = await pool(pairs, opts.concurrency, async ({ target, list }) => {
    const started = performance.now();
    let verdict: Verdict;
    const blind = unhealthy.get(list.name);
    if (blind !== undefined) {
      verdict = { state: 'unknown', reason: 'list_unhealthy', detail: `list failed its canary check: ${blind}` };
    } else {
      queries++;
      verdict = await checkTarget(opts.lookup, list, target);
    }
    const result: PairResult = { target: target.value, list, verdict, time: now() };
    opts.onCheck?.(result, (performance.now() - started) / 1000);
    return result;
  });
  return { canaries, results, queries: queries + canaries.length * 2 };
}
