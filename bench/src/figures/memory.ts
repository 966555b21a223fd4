import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findFreePort, waitForHealth } from "@wharf/scripts/launcher";
import type { Figure, Row } from "../figure";
import { childPids, rssMiB } from "../procs";
import { repoRoot, scenario } from "../stack";
import { round } from "../stats";

const IDLE_MS = 2000;

/** RSS of a process and its descendants (the web server may fork), in MiB. */
function treeRss(pid: number): number {
  return (rssMiB(pid) ?? 0) + childPids(pid).reduce((sum, child) => sum + treeRss(child), 0);
}

/** Runner and web RSS idle and after 10 tasks (created over HTTP); agents left after idling. */
export const memory: Figure = {
  id: "memory",
  title: "memory",
  async run(ctx) {
    const { stack } = ctx;
    await ctx.stopRunner();
    const runner = await ctx.runner({ concurrency: 4, idleMs: IDLE_MS });
    const webDir = path.join(repoRoot, "apps/web");
    const port = await findFreePort("127.0.0.1");
    const log = createWriteStream(path.join(stack.dir, "web.log"));
    const web = spawn(process.execPath, [path.join(webDir, "node_modules/next/dist/bin/next"), "start", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: webDir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: stack.databaseUrl, WHARF_HOME: stack.home, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    web.stdout.pipe(log);
    web.stderr.pipe(log);
    const webExited = new Promise<void>((resolve) => web.once("exit", () => resolve()));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth({ baseUrl: base, token: stack.token, timeoutMs: 60_000 });
      await sleep(1000);
      const runnerIdle = rssMiB(runner.pid) ?? 0;
      const webIdle = treeRss(web.pid!);

      const projectId = await stack.project();
      const prompt = scenario({ steps: [{ type: "text", text: "a short answer", chunks: 5, delayMs: 10 }] });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${base}/api/trpc/task.create`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.token}`, "content-type": "application/json" },
          body: JSON.stringify({ json: { projectId, agentId: "scripted", prompt } }),
        });
        const body = (await response.json()) as { result?: { data?: { json?: { id?: string } } } };
        const id = body.result?.data?.json?.id;
        if (!id) throw new Error(`task.create over HTTP failed: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
        ids.push(id);
      }
      await Promise.all(ids.map((id) => stack.waitTurnOver(id)));
      const agentsRightAfter = childPids(runner.pid).length;
      const runnerAfter = rssMiB(runner.pid) ?? 0;
      const webAfter = treeRss(web.pid!);
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
      web.kill("SIGTERM");
      await webExited;
      log.end();
      await ctx.stopRunner();
    }
  },
};
