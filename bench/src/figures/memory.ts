import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Figure, Row } from "../figure";
import { childPids, pssMiB, rssMiB, treePss, treeRss } from "../procs";
import { scenario } from "../stack";
import { round } from "../stats";
import { startWeb } from "../web";

const IDLE_MS = 2000;

// tRPC with superjson answers a mutation as { result: { data: { json: <value> } } }.
const createdResponse = z.object({ result: z.object({ data: z.object({ json: z.object({ id: z.string().uuid() }) }) }) });

/**
 * Runner and web memory idle and after 10 tasks (created over HTTP), and the agents left after
 * idling. The memory target is on the whole tree of `./wharf start` as PSS (figure 10b): VmRSS
 * counts every page the process touched in full, the Node binary's shared code included (about
 * 50 MiB of each Node process here), so runner + web RSS overstates what the two hold. Both are
 * printed, for comparison with earlier runs.
 */
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
      const runnerIdlePss = pssMiB(runner.pid);
      const webIdlePss = treePss(web.pid);

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
          metric: "runner + web, idle",
          value: `RSS ${round(together, 0)} MiB (runner ${round(runnerIdle, 0)}, web ${round(webIdle, 0)}); PSS ${round(runnerIdlePss + webIdlePss, 0)} MiB (runner ${round(runnerIdlePss, 0)}, web ${round(webIdlePss, 0)})`,
          note: "separate processes, web with its child processes; the target is on the whole tree of ./wharf start as PSS (10b)",
        },
        { figure: "10 memory", metric: "after 10 finished tasks", value: `RSS runner ${round(runnerAfter, 0)} MiB, web ${round(webAfter, 0)} MiB` },
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
