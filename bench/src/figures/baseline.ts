import type { Figure } from "../figure";
import { PollingDispatcher } from "../polling-dispatcher";
import { scenario } from "../stack";
import { round, summarize } from "../stats";

/** The old design: a 5 s poller running one task at a time, on the same database and agent. */
export const baseline: Figure = {
  id: "baseline",
  title: "polling baseline",
  async run(ctx) {
    const { services, tap } = ctx.stack;
    await ctx.runner(); // registers the built-in agents; it only takes queued jobs, which these tasks have none of
    const projectId = await ctx.stack.project();
    const poller = new PollingDispatcher(services.pool, 5000);
    poller.start();
    const runs = ctx.quick ? 3 : 6;
    const latency: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        // Tasks arrive at random points of the poll cycle.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
        const { rows } = await services.pool.query<{ id: string }>(
          `insert into task (id, project_id, agent_id, prompt, state, updated_at)
           values (gen_random_uuid(), $1, 'scripted', $2, 'queued', now()) returning id`,
          [projectId, scenario({ steps: [{ type: "text", text: "ok" }] })],
        );
        const created = performance.now();
        const id = rows[0]!.id;
        const running = await tap.waitFor(id, (e) => e.event.type === "status" && e.event.state === "running", "running", 30_000);
        latency.push(running.at - created);
        await ctx.stack.waitTurnOver(id, 30_000);
      }
    } finally {
      await poller.stop();
    }
    const s = summarize(latency);
    const wharf = ctx.shared.dispatchMedian;
    return [
      {
        figure: "3 baseline",
        metric: "polling dispatcher (5 s, one task at a time): created → `running`",
        summary: s,
        value: wharf ? `${round(s.median / wharf, 0)}× Wharf's median` : "run with `dispatch` for the ratio",
        note: "same database, subscriber and scripted agent",
      },
    ];
  },
};
