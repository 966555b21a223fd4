import type { Figure } from "../figure";
import { scenario } from "../stack";
import { summarize } from "../stats";

const chunk = /flood (\d+)\/\d+ t=(\d+)/g;

/** The scripted agent's flood at 2,000 updates/s: agent write → subscriber, and loss. */
export const flood: Figure = {
  id: "flood",
  title: "event delivery under a flood",
  async run(ctx) {
    const { api, tap } = ctx.stack;
    await ctx.runner();
    const projectId = await ctx.stack.project();
    const count = ctx.quick ? 4000 : 10_000;
    const latency: number[] = [];
    const seen = new Set<number>();
    let events = 0;
    const task = await api.task.create({ projectId, agentId: "scripted", prompt: scenario({ steps: [{ type: "flood", count, ratePerSecond: 2000 }] }) });
    const stop = tap.watch(task.id, (e) => {
      if (e.event.type !== "message" || e.event.role !== "agent") return;
      events += 1;
      for (const m of e.event.text.matchAll(chunk)) {
        seen.add(Number(m[1]));
        latency.push(e.wallAt - Number(m[2]));
      }
    });
    await ctx.stack.waitTurnOver(task.id, 120_000);
    stop();
    const s = summarize(latency);
    const lost = count - seen.size;
    return [
      {
        figure: "5 delivery",
        metric: `flood ${count} chunks at 2,000/s: agent write → subscriber`,
        summary: s,
        target: "p99 ≤ 100",
        met: s.p99 <= 100,
        note: `${events} stored events (chunks merged); clocks: Date.now() in both processes`,
      },
      { figure: "5 delivery", metric: "chunks lost", value: String(lost), target: "0", met: lost === 0 },
    ];
  },
};
