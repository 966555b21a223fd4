import { existsSync } from "node:fs";
import path from "node:path";
import { chromium } from "@playwright/test";
import { appendEvents } from "@wharf/db/pg";
import type { Figure } from "../figure";
import { treeRss } from "../procs";
import { round, summarize } from "../stats";
import { startWeb, webBuilt } from "../web";

const EVENTS = 100_000;

/** A task with 100,000 events: from navigation until its timeline shows the last one, in Chromium. */
export const history: Figure = {
  id: "history",
  title: "long history",
  async run(ctx) {
    const chromiumPath = ctx.stack.env.WHARF_CHROMIUM;
    const skip = (why: string) => [{ figure: "8 long history", metric: "100,000 events: task page usable", value: `skipped: ${why}`, target: "≤ 1 s, web RSS +≤ 50 MB", met: null }];
    if (!webBuilt("tasks")) return skip("the web app has no production build with the task page (pnpm --filter @wharf/web build)");
    if (!existsSync(chromiumPath)) return skip(`no Chromium at ${chromiumPath} (WHARF_CHROMIUM)`);
    const { services } = ctx.stack;
    await ctx.runner(); // registers the built-in agents
    const projectId = await ctx.stack.project();
    const { rows } = await services.pool.query<{ id: string }>(
      `insert into task (id, project_id, agent_id, prompt, state, updated_at, started_at, finished_at)
       values (gen_random_uuid(), $1, 'scripted', 'A long history', 'completed', now(), now(), now()) returning id`,
      [projectId],
    );
    const taskId = rows[0]!.id;
    for (let from = 0; from < EVENTS; from += 5000) {
      const batch = Array.from({ length: 5000 }, (_, i) => {
        const n = from + i + 1;
        return n % 2 ? { type: "message", role: "agent", text: `event ${n}: some output of the agent` } : { type: "message", role: "thought", text: `thinking ${n}` };
      });
      await appendEvents(services.pool, taskId, batch);
    }
    // Usable: the timeline shows events from the end of the history (the last 500).
    const web = await startWeb(ctx.stack);
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
    try {
      const idle = treeRss(web.pid);
      let before = idle;
      const times: number[] = [];
      const loads = ctx.quick ? 2 : 4;
      let peak = before;
      for (let i = -1; i < loads; i++) {
        // Signed in the way a browser is: the session cookie.
        const page = await browser.newPage();
        await page.context().addCookies([{ name: "wharf_session", value: encodeURIComponent(ctx.stack.token), url: web.url, httpOnly: true, sameSite: "Strict" }]);
        const t = performance.now();
        await page.goto(`${web.url}/tasks/${taskId}`);
        try {
          await page.getByTestId("timeline").getByText(/event 99[5-9]\d\d:/).first().waitFor({ state: "visible", timeout: i < 0 ? 90_000 : 30_000 });
        } catch (error) {
          const shot = path.join(ctx.stack.dir, "..", `wharf-bench-history-${Date.now()}.png`);
          await page.screenshot({ path: shot });
          throw new Error(`the task page did not show the last event (screenshot: ${shot}): ${(error as Error).message.split("\n")[0]}`, { cause: error });
        }
        if (i >= 0) times.push(performance.now() - t);
        // The first load also loads the route's server code: growth is counted from after it.
        if (i < 0) before = peak = treeRss(web.pid);
        else peak = Math.max(peak, treeRss(web.pid));
        await page.close();
      }
      const s = summarize(times);
      const growth = peak - before;
      return [
        {
          figure: "8 long history",
          metric: `${EVENTS.toLocaleString("en")} events: navigation → events of the last 500 visible (Chromium)`,
          summary: s,
          target: "≤ 1 s",
          met: s.median <= 1000,
          note: "first load not counted",
        },
        { figure: "8 long history", metric: "web RSS growth while serving it", value: `${round(growth, 0)} MiB (idle ${round(idle, 0)}, after the first load ${round(before, 0)})`, target: "≤ 50 MB", met: growth <= 50 },
      ];
    } finally {
      await browser.close();
      await web.stop();
    }
  },
};
