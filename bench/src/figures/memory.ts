import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Figure, Row } from "../figure";
import { childPids, rssMiB, treeRss } from "../procs";
import { scenario } from "../stack";
import { round } from "../stats";
import { startWeb } from "../web";

const IDLE_MS = 2000;

// tRPC with superjson answers a mutation as { result: { data: { json: <value> } } }.
const createdResponse = z.object({ result: z.object({ data: z.object({ json: z.object({ id: z.string().uuid() }) }) }) });

/** Runner and web RSS idle and after 10 tasks (created over HTTP); agents left after idling. */
export const memory: Figure = {
  id: "memory",
  title: "memory",
  async run(ctx) {
    const { stack } = ctx;
    await ctx.stopRunner();
    const runner = await ctx.runner({ concurrency: 4, idleMs: IDLE_MS });
    const web = await startWeb(stack);
    const base = web.url;
    try {
      await sleep(1000);
      const runnerIdle = rssMiB(runner.pid) ?? 0;
      const webIdle = treeRss(web.pid);

      const projectId = await stack.project();
      const prompt = scenario({ steps: [{ type: "text", text: "a short answer", chunks: 5, delayMs: 10 }] });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${base}/api/trpc/task.create`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
          body: JSON.stringify({ json: { projectId, agentId: "scripted", prompt } }),
        });
        const body: unknown = await response.json();
        const created = createdResponse.safeParse(body);
        if (!created.success) throw new Error(`task.create over HTTP failed: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
        ids.push(created.data.result.data.json.id);
      }
      await Promise.all(ids.map((id) => stack.waitTurnOver(id)));
      const agentsRightAfter = childPids(runner.pid).length;
      const runnerAfter = rssMiB(runner.pid) ?? 0;
      const webAfter = treeRss(web.pid);
      await sleep(IDLE_MS + 1500);
      const agentsAfterIdle = childPids(runner.pid).length;
      const together = runnerIdle + webIdle;
      const rows: Row[] = [
        {
          figure: "10 memory",
          metric: "runner + web RSS, idle",
          value: `${round(together, 0)} MiB (runner ${round(runnerIdle, 0)}, web ${round(webIdle, 0)})`,
          target: "≤ 200 MB together",
          met: together <= 200,
          note: "separate processes, VmRSS; web includes its child processes",
        },
        { figure: "10 memory", metric: "after 10 finished tasks", value: `runner ${round(runnerAfter, 0)} MiB, web ${round(webAfter, 0)} MiB` },
        {
          figure: "10 memory",
          metric: `agent processes alive: right after / ${IDLE_MS + 1500} ms later`,
          value: `${agentsRightAfter} / ${agentsAfterIdle}`,
          target: "reaped after WHARF_AGENT_IDLE_MS",
          met: agentsAfterIdle === 0,
          note: `WHARF_AGENT_IDLE_MS=${IDLE_MS}`,
        },
      ];
      return rows;
    } finally {
      await web.stop();
      await ctx.stopRunner();
    }
  },
};
