export interface KeyedMutex {
  /** Runs `fn` once every earlier `run` with the same key has settled; keys never block each other. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Whether a call with this key is running or waiting. */
  isLocked(key: string): boolean;
}

/** An in-process mutex per key (FIFO per key). Entries are dropped when their key goes idle. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<void>>();

  return {
    run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);

      const result = previous.then(() => fn());
      // Release whatever the outcome; the caller sees the outcome through `result`.
      result.then(
        () => settle(),
        () => settle(),
      );
      function settle(): void {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
      return result;
    },
    isLocked(key: string): boolean {
      return tails.has(key);
    },
  };
}
