import { basename } from "node:path";

/**
 * Waiting on the client while a turn may be cancelled, for Wharf's ACP agents (this one and the
 * scripted test agent, which imports it as `@wharf/native-agent/unless-cancelled`).
 */

/** What a wait answers when the turn was cancelled first; a symbol, so no value the client sends can be mistaken for it. */
export const cancelled: unique symbol = Symbol("cancelled");

/**
 * Settles with the promise, or with `cancelled` as soon as the signal aborts (a rejection after
 * the abort is `cancelled` too). A failure that nobody waits for any more is written to stderr.
 */
export function unlessCancelled<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof cancelled> {
  if (signal.aborted) {
    // Nobody waits for it any more; a late failure (the connection closing, say) must not crash the agent.
    promise.catch((error: unknown) =>
      process.stderr.write(`${basename(process.argv[1] ?? "agent", ".mjs")}: after cancel: ${error instanceof Error ? error.message : String(error)}\n`),
    );
    return Promise.resolve(cancelled);
  }
  return new Promise<T | typeof cancelled>((resolvePromise, reject) => {
    const onAbort = (): void => resolvePromise(cancelled);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) resolvePromise(cancelled);
        else reject(error);
      },
    );
  });
}
