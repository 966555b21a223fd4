import type { Figure } from "../figure";
import { scenario } from "../stack";
import { summarize } from "../stats";

/** The dependency waits for a permission, so its dependent is surely blocked before it finishes. */
const gatedWrite = (i: number) =>
  scenario({ steps: [{ type: "permission", toolCallId: "gate", title: "Write dep.txt", kind: "edit", onAllow: [{ type: "write_file", path: `dep-${i}.txt`, content: `${i}\n` }] }] });
const quickText = scenario({ steps: [{ type: "text", text: "ok" }] });

/**
 * A dependency reaches `review` → its blocked dependent is `running`, both as a subscriber sees
 * them. The dependency's review transition queues the dependent in the same transaction (no
 * polling), so this is dispatch latency plus the review's commit.
 */
export const dependency: Figure = {
  id: "dependency",
  title: "dependency → dependent latency",
  async run(ctx) {
    const { api, tap } = ctx.stack;
    await ctx.runner();
    const projectId = await ctx.stack.project();
    const runs = ctx.quick ? 10 : 30;
    const latency: number[] = [];
    for (let i = -2; i < runs; i++) {
      const first = await api.task.create({ projectId, agentId: "scripted", prompt: gatedWrite(i) });
      const second = await api.task.create({ projectId, agentId: "scripted", prompt: quickText, dependsOn: [first.id] });
      if (second.state !== "blocked") throw new Error(`the dependent task is ${second.state}, not blocked: the figure measures nothing`);
      await tap.waitFor(first.id, (e) => e.event.type === "permission" && e.event.phase === "requested", "the dependency's permission request");
      const [request] = await api.permission.pending({ taskId: first.id });
      const allow = request?.options.find((o) => o.kind === "allow_once");
      if (!request || !allow) throw new Error("the dependency asked for no permission it could be allowed");
      await api.permission.respond({ requestId: request.id, optionId: allow.optionId });
      const review = await tap.waitFor(first.id, (e) => e.event.type === "status" && e.event.state === "review", "the dependency's review");
      const running = await tap.waitFor(second.id, (e) => e.event.type === "status" && e.event.state === "running", "the dependent's running");
      await ctx.stack.waitTurnOver(second.id);
      if (i < 0) continue; // warm-up: first spawns, first queries
      latency.push(running.at - review.at);
    }
    const s = summarize(latency);
    return [
      {
        figure: "1b dependency",
        metric: "dependency `review` → dependent `running` at subscriber",
        summary: s,
        target: "p50 ≤ 25",
        met: s.median <= 25,
        note: `subscriber: ${tap.kind}; queued by the review transition itself`,
      },
    ];
  },
};
