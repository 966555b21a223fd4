import { existsSync } from "node:fs";
import path from "node:path";
import { appendEvents } from "@wharf/db/pg";
import { openBrowser } from "../browser";
import type { Figure } from "../figure";
import { treeRss } from "../procs";
import { round, summarize } from "../stats";
import { firstPaint, usableAt, watchUsable } from "../usable";
import { startWeb, webBuilt } from "../web";

const EVENTS = 100_000;
const SMALL = 20;

/**
 * A task page opened in Chromium, fresh tab, after the route's first visit: a small task (20
 * events) and one with 100,000, each from navigation until its timeline shows its last event.
 */
export const history: Figure = {
  id: "history",
  title: "task page",
  async run(ctx) {
    const chromiumPath = ctx.stack.env.WHARF_CHROMIUM;
    const skip = (why: string) => [{ figure: "8 task page", metric: "task page usable", value: `skipped: ${why}`, target: "≤ 400 ms; 100,000 events ≤ 1.25×", met: null }];
    if (!webBuilt("tasks")) return skip("the web app has no production build with the task page (pnpm --filter @wharf/web build)");
    if (!existsSync(chromiumPath)) return skip(`no Chromium at ${chromiumPath} (WHARF_CHROMIUM)`);
    const { services } = ctx.stack;
    await ctx.runner(); // registers the built-in agents
    const projectId = await ctx.stack.project();
    const createTask = async (prompt: string, events: number) => {
      const { rows } = await services.pool.query<{ id: string }>(
        `insert into task (id, project_id, agent_id, prompt, state, updated_at, started_at, finished_at)
         values (gen_random_uuid(), $1, 'scripted', $2, 'completed', now(), now(), now()) returning id`,
        [projectId, prompt],
      );
      const taskId = rows[0]!.id;
      for (let from = 0; from < events; from += 5000) {
        const batch = Array.from({ length: Math.min(5000, events - from) }, (_, i) => {
          const n = from + i + 1;
          return n % 2 ? { type: "message", role: "agent", text: `event ${n}: some output of the agent` } : { type: "message", role: "thought", text: `thinking ${n}` };
        });
        await appendEvents(services.pool, taskId, batch);
      }
      return taskId;
    };
    const small = await createTask("A short task", SMALL);
    const large = await createTask("A long history", EVENTS);
    // What the bulk insert leaves PostgreSQL to do (autovacuum, then analyze, of 100,000 new rows) is
    // done now, not in the background while the pages are timed.
    await services.pool.query("vacuum analyze task_event");
    await services.pool.query("vacuum analyze task");
    const web = await startWeb(ctx.stack);
    // One browser profile on disk, signed in, a new tab per visit: its caches warm from the route's first visit, as a person's browser is.
    const browser = await openBrowser(chromiumPath, { url: web.url, token: ctx.stack.token });
    const { context } = browser;
    try {
      const idle = treeRss(web.pid);
      let before = idle;
      let peak = before;
      const loads = ctx.quick ? 3 : 7;
      /**
       * Opens the task page in a fresh tab; resolves with the time, in the page from navigation
       * start, until its timeline shows its last event (odd, an agent message) and is live (the
       * page's scripts took over: `data-ready`), and with the first paint.
       */
      const open = async (taskId: string, last: number, first: boolean) => {
        const page = await context.newPage();
        await watchUsable(page, [{ selector: "[data-testid=timeline][data-ready]", text: `event ${last}: ` }]);
        await page.goto(`${web.url}/tasks/${taskId}`);
        let elapsed: number;
        try {
          elapsed = await usableAt(page, first ? 90_000 : 30_000);
        } catch (error) {
          const shot = path.join(ctx.stack.dir, "..", `wharf-bench-history-${Date.now()}.png`);
          await page.screenshot({ path: shot });
          throw new Error(`the task page did not show the last event (screenshot: ${shot}): ${(error as Error).message.split("\n")[0]}`, { cause: error });
        }
        // When the browser first painted text: with the tail rendered by the server, the last event is in that paint.
        const fcp = await firstPaint(page);
        await page.close();
        return { elapsed, fcp };
      };
      // The route's first visit also loads its server code: not counted.
      await open(small, SMALL - 1, true);
      await open(large, EVENTS - 1, true);
      before = peak = treeRss(web.pid);
      const smallTimes: number[] = [];
      const largeTimes: number[] = [];
      const smallPaints: number[] = [];
      // Interleaved, so a busy moment of the machine falls on both.
      for (let i = 0; i < loads; i++) {
        const visit = await open(small, SMALL - 1, false);
        smallTimes.push(visit.elapsed);
        if (Number.isFinite(visit.fcp)) smallPaints.push(visit.fcp);
        largeTimes.push((await open(large, EVENTS - 1, false)).elapsed);
        peak = Math.max(peak, treeRss(web.pid));
      }
      const s = summarize(smallTimes);
      const paint = smallPaints.length ? summarize(smallPaints) : undefined;
      const l = summarize(largeTimes);
      const ratio = l.median / s.median;
      const growth = peak - before;
      return [
        { figure: "8 task page", metric: `${SMALL} events: navigation → last event visible and the page live (Chromium, a profile on disk, fresh tab)`, summary: s, target: "≤ 400 ms", met: s.median <= 400, note: "first visit not counted; timed in the page (a MutationObserver from navigation start): the timeline's `data-ready`, set once the page's scripts took over" },
        ...(paint ? [{ figure: "8 task page", metric: `${SMALL} events: navigation → first contentful paint (the server-rendered tail is in it)`, summary: paint, note: "what the eye sees first" }] : []),
        { figure: "8 task page", metric: `${EVENTS.toLocaleString("en")} events: navigation → last event visible and the page live`, summary: l, target: "≤ 1.25× the small page", met: ratio <= 1.25 },
        { figure: "8 task page", metric: "100,000 events / 20 events (medians)", value: `${round(ratio, 2)}×`, target: "≤ 1.25×", met: ratio <= 1.25 },
        { figure: "8 task page", metric: "web RSS growth while serving them", value: `${round(growth, 0)} MiB (idle ${round(idle, 0)}, after the first visits ${round(before, 0)})`, target: "≤ 50 MB", met: growth <= 50 },
      ];
    } finally {
      await browser.close();
      await web.stop();
    }
  },
};
