import pg from "pg";
import type { Figure } from "../figure";
import { summarize } from "../stats";

/** The floor: NOTIFY on one pg client → the notification at another client that LISTENs. */
export const notify: Figure = {
  id: "notify",
  title: "NOTIFY round trip",
  async run(ctx) {
    const url = ctx.stack.databaseUrl;
    const listener = new pg.Client({ connectionString: url });
    const sender = new pg.Client({ connectionString: url });
    await listener.connect();
    await sender.connect();
    try {
      await listener.query("LISTEN wharf_bench_ping");
      let arrived: (() => void) | null = null;
      listener.on("notification", () => arrived?.());
      const runs = ctx.quick ? 100 : 300;
      const times: number[] = [];
      for (let i = -10; i < runs; i++) {
        const started = performance.now();
        await new Promise<void>((resolve, reject) => {
          arrived = resolve;
          sender.query("SELECT pg_notify('wharf_bench_ping', $1)", [String(i)]).catch(reject);
        });
        if (i >= 0) times.push(performance.now() - started);
      }
      const s = summarize(times);
      ctx.shared.notifyMedian = s.median;
      return [{ figure: "2 floor", metric: "NOTIFY → LISTENing client (pg over TCP)", summary: s, note: "lower bound for figure 1" }];
    } finally {
      await listener.end();
      await sender.end();
    }
  },
};
