import { z } from "zod";
import { listRunners, type RunnerRow } from "../queries/runner";
import { protectedProcedure } from "../trpc";

export const runnerRouter = {
  /** The runners that ran in the last day, live ones first: host, version, agents found, concurrency, heartbeat, running tasks. */
  list: protectedProcedure.input(z.void()).query(({ ctx }) => listRunners(ctx.services.pool)),

  /**
   * `runner.changes`: the list now, then again whenever a runner registers, beats, stops or an
   * agent changes (NOTIFY on wharf_runners; several at once are read once). No polling.
   */
  changes: protectedProcedure.input(z.void()).subscription(async function* ({ ctx, signal }) {
    const { live, pool } = ctx.services;
    await live.ready();
    let dirty = true;
    let wake: (() => void) | null = null;
    const unwatch = live.watchRunners(() => {
      dirty = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (dirty) {
          dirty = false;
          const list: RunnerRow[] = await listRunners(pool);
          yield list;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      unwatch();
      signal?.removeEventListener("abort", onAbort);
    }
  }),
};
