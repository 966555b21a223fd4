import type { Figure, FigureContext } from "../figure";
import { scenario } from "../stack";
import { summarize } from "../stats";

const quickText = scenario({ steps: [{ type: "text", text: "ok" }] });

/** task.create returned → the subscriber sees the task's `running` status event, for `runs` tasks one after another (after 2 to warm up). */
export async function measureDispatch(ctx: FigureContext, runs: number): Promise<{ latency: number[]; createCall: number[] }> {
  const { api, tap } = ctx.stack;
  const projectId = await ctx.stack.project();
  const latency: number[] = [];
  const createCall: number[] = [];
  for (let i = -2; i < runs; i++) {
    const started = performance.now();
    const task = await api.task.create({ projectId, agentId: "scripted", prompt: quickText });
    const returned = performance.now();
    const running = await tap.waitFor(task.id, (e) => e.event.type === "status" && e.event.state === "running", "running");
    await ctx.stack.waitTurnOver(task.id);
    if (i < 0) continue; // warm-up: first spawns, first queries
    latency.push(running.at - returned);
    createCall.push(returned - started);
  }
  return { latency, createCall };
}

/** task.create returns → the subscriber sees the task's `running` status event. */
export const dispatch: Figure = {
  id: "dispatch",
  title: "dispatch latency",
  async run(ctx) {
    const { tap } = ctx.stack;
    await ctx.runner();
    const { latency, createCall } = await measureDispatch(ctx, ctx.quick ? 15 : 40);
    const s = summarize(latency);
    ctx.shared.dispatchMedian = s.median;
    return [
      {
        figure: "1 dispatch",
        metric: "task.create returned → `running` at subscriber",
        summary: s,
        target: "p50 ≤ 25, p99 ≤ 100",
        met: s.median <= 25 && s.p99 <= 100,
        note: `subscriber: ${tap.kind}`,
      },
      { figure: "1 dispatch", metric: "task.create call itself", summary: summarize(createCall) },
    ];
  },
};
