/**
 * Waits for a condition that is looked at again whenever something says it may have changed
 * (a NOTIFY, an event), never on a timer: `check` runs now and after each wake, one run at a time
 * (a wake during a run runs it once more afterwards), until it answers a value, which resolves.
 * A failing `check` rejects. When `timeoutMs` passes or `signal` aborts, `onTimeout` decides:
 * a value to resolve with, or an error to reject with.
 */
export function untilWoken<T>(
  watch: (wake: () => void) => () => void,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; onTimeout: () => T | Error; signal?: AbortSignal | undefined },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let busy = false;
    let again = false;
    const finish = (end: () => void) => {
      if (done) return;
      done = true;
      unwatch();
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onTimeout);
      end();
    };
    const wake = () => {
      if (done) return;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      check().then(
        (value) => {
          busy = false;
          if (value !== undefined) finish(() => resolve(value));
          else if (again) {
            again = false;
            wake();
          }
        },
        (error: unknown) => finish(() => reject(error instanceof Error ? error : new Error(String(error)))),
      );
    };
    const onTimeout = () => {
      const outcome = opts.onTimeout();
      finish(() => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
    };
    const unwatch = watch(wake);
    const timer = setTimeout(onTimeout, opts.timeoutMs);
    opts.signal?.addEventListener("abort", onTimeout, { once: true });
    wake();
  });
}
