// A FIFO concurrency limiter: at most `limit` tasks run at once, the rest wait
// in arrival order. The queue holds closures, not started promises, so 30,000
// lookups cost 30,000 small queue entries and `limit` sockets' worth of work.

export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private head = 0;
  /** Highest number of tasks that ever ran at once. */
  maxActive = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency must be a positive integer, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Runs `task` when a slot is free. A task that throws or rejects still frees its slot. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active++;
        if (this.active > this.maxActive) this.maxActive = this.active;
        let promise: Promise<T>;
        try {
          promise = task();
        } catch (err) {
          promise = Promise.reject(err);
        }
        promise.then(resolve, reject).finally(() => this.release());
      };
      if (this.active < this.limit) start();
      else this.queue.push(start);
    });
  }

  private release(): void {
    this.active--;
    if (this.head < this.queue.length) {
      const next = this.queue[this.head];
      this.queue[this.head++] = noop;
      // Compact now and then instead of Array#shift (O(n) per call on a long queue).
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else if (this.head > 0) {
      this.queue.length = 0;
      this.head = 0;
    }
  }
}

function noop(): void {}
