// One check round: canaries first (a list that fails them is blind, so its
// results are unknown(list_unhealthy) and it is not queried for targets), then
// every target × list pair that applies, through a fixed pool of workers so at
// most `concurrency` checks are in flight however many pairs there are.
import type { DnsLookup } from './dns';
import type { CheckTarget, ListDefinition, Verdict } from './model';
import { checkCanaries, checkName } from './check';
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

/** `queries`: checks made, plus two canary questions per canary-checked list. Pair results go to onCheck only: a round keeps none of them. */
export interface RoundResult { canaries: CanaryResult[]; queries: number }

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

/**
 * Lets the event loop run (a scrape, replies of other queries) once `budgetMs`
 * of continuous work has passed. Cached answers and skipped pairs resolve as
 * microtasks, so without this a round of cache hits would be one synchronous
 * block. Every worker that arrives after the budget waits for the same turn,
 * so the microtask queue really empties.
 */
export class Breather {
  private since: number;
  private gate: Promise<void> | undefined;

  constructor(private readonly budgetMs = 4, private readonly clock: () => number = () => performance.now()) {
    this.since = clock();
  }

  /** undefined while the budget lasts (no await, no allocation); else the promise of the next loop turn. */
  pause(): Promise<void> | undefined {
    if (this.gate !== undefined) return this.gate;
    if (this.clock() - this.since < this.budgetMs) return undefined;
    this.gate = new Promise<void>((resolve) => setImmediate(() => {
      this.gate = undefined;
      this.since = this.clock();
      resolve();
    }));
    return this.gate;
  }
}

export async function runRound(opts: RoundOptions): Promise<RoundResult> {
  const now = opts.now ?? Date.now;
  const canaries = await pool(opts.lists.filter((l) => l.canaries), opts.concurrency, async (list) => {
    const r = await checkCanaries(opts.lookup, list);
    const result: CanaryResult = { list, healthy: r.healthy, detail: r.detail, time: now() };
    opts.onCanary?.(result);
    return result;
  });
  // One verdict per blind list, shared by all its pairs.
  const blind = new Map<string, Verdict>();
  for (const c of canaries) {
    if (!c.healthy) blind.set(c.list.name, { state: 'unknown', reason: 'list_unhealthy', detail: `list failed its canary check: ${c.detail}` });
  }

  // Pairs are taken one at a time by the workers rather than built up front:
  // 30,000 of them built in one synchronous loop would hold up a scrape.
  const lists = opts.lists;
  const total = opts.targets.length * lists.length;
  const breather = new Breather();
  let next = 0;
  let queries = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const target = opts.targets[Math.floor(i / lists.length)];
      const list = lists[i % lists.length];
      const name = queryName(list, target);
      if (name !== undefined) {
        const started = performance.now();
        let verdict = blind.get(list.name);
        if (verdict === undefined) {
          queries++;
          verdict = await checkName(opts.lookup, list, name);
        }
        opts.onCheck?.({ target: target.value, list, verdict, time: now() }, (performance.now() - started) / 1000);
      }
      const pause = breather.pause();
      if (pause !== undefined) await pause;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(total, 1)) }, worker));
  return { canaries, queries: queries + canaries.length * 2 };
}
