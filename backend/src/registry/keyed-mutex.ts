/**
 * One async lock per key (here: per model), in-process. Work under the same key runs one at
 * a time in arrival order; different keys do not wait for each other. Across replicas the
 * database row lock (SELECT ... FOR UPDATE on PostgreSQL) does the same job.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** True while some work holds or waits for the key. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}
