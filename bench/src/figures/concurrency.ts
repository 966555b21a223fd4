import type { Figure, Row } from "../figure";
import { sampleRss } from "../procs";
import { scenario } from "../stack";
import { round } from "../stats";

/** K tasks at once on one runner process with WHARF_RUNNER_CONCURRENCY = K. */
export const concurrency: Figure = {
  id: "concurrency",
  title: "concurrent tasks",
  async run(ctx) {
    const { api } = ctx.stack;
    const rows: Row[] = [];
    const prompt = scenario({ steps: [{ type: "text", text: "working on it, step by step", chunks: 10, delayMs: 20 }] });
    for (const k of ctx.quick ? [10] : [10, 50]) {
      const runner = await ctx.runner({ concurrency: k, idleMs: 1000 });
      const projectId = await ctx.stack.project();
      const rss = sampleRss(runner.pid);
      const started = performance.now();
      const tasks = await Promise.all(Array.from({ length: k }, () => api.task.create({ projectId, agentId: "scripted", prompt })));
      const ends = await Promise.all(tasks.map((t) => ctx.stack.waitTurnOver(t.id, 180_000)));
      const wall = performance.now() - started;
      const peak = rss.stop();
      const finished = ends.filter((e) => e.event.type === "status" && e.event.state === "completed").length;
      const others = ends.flatMap((e) => (e.event.type === "status" && e.event.state !== "completed" ? [`${e.event.state}: ${e.event.reason ?? "no reason given"}`] : []));
      rows.push(
        {
          figure: "7 concurrency",
          metric: `K=${k}: wall time, all created → all finished`,
          value: `${round(wall, 0)} ms`,
          note: `${finished}/${k} completed${others.length > 0 ? `; the others ended ${[...new Set(others)].join("; ")}` : ""}`,
          met: finished === k,
          target: "all finish",
        },
        {
          figure: "7 concurrency",
          metric: `K=${k}: runner process peak RSS (agents not included)`,
          value: `${round(peak.peakMiB, 0)} MiB`,
          target: "≤ 250 MiB",
          met: peak.peakMiB <= 250,
          note: `runner as a child process (VmRSS); agents' peak total ${round(peak.peakChildrenMiB, 0)} MiB`,
        },
      );
    }
    await ctx.stopRunner();
    return rows;
  },
};
