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

  // Pairs are taken one at a time by the workers rather than built up front:
  // 30,000 of them built in one synchronous loop would hold up a scrape.
  const lists = opts.lists;
  const total = opts.targets.length * lists.length;
  let next = 0;
  let queries = 0;
  const results: PairResult[] = [];
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const target = opts.targets[Math.floor(i / lists.length)];
      const list = lists[i % lists.length];
      if (queryName(list, target) === undefined) continue;
      const started = performance.now();
      let verdict: Verdict;
      const blind = unhealthy.get(list.name);
      if (blind !== undefined) {
        verdict = { state: 'unknown', reason: 'list_unhealthy', detail: `list failed its canary check: ${blind}` };
        // Nothing was queried: let the event loop breathe between such pairs.
        if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
      } else {
        queries++;
        verdict = await checkTarget(opts.lookup, list, target);
      }
      const result: PairResult = { target: target.value, list, verdict, time: now() };
      results.push(result);
      opts.onCheck?.(result, (performance.now() - started) / 1000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(total, 1)) }, worker));
  return { canaries, results, queries: queries + canaries.length * 2 };
}
