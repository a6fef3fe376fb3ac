// Hands out event-loop turns one at a time: each take() resolves in a later
// turn (a setImmediate) than the take() before it. The /metrics handler takes
// one per rendering, so concurrent scrapers cannot fill a turn with renderings
// and starve timers and sockets (a DNSBL round's replies) in between.
export class LoopTurns {
  private last: Promise<void> = Promise.resolve();

  take(): Promise<void> {
    this.last = this.last.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    return this.last;
  }
}
