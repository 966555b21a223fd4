import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { Figure } from "../figure";
import { repoRoot } from "../stack";

/** A task page in the web app, if one exists yet. */
function taskPage(): string | null {
  const app = path.join(repoRoot, "apps/web/src/app");
  if (!existsSync(app)) return null;
  const found = readdirSync(app, { recursive: true, encoding: "utf8" }).find((f) => /tasks?[\\/]\[[^\]]+\][\\/]page\.tsx$/.test(f));
  return found ?? null;
}

/** 100,000 events: time until the task page is usable. Needs the web task page. */
export const history: Figure = {
  id: "history",
  title: "long history",
  async run() {
    const page = taskPage();
    return [
      {
        figure: "8 long history",
        metric: "100,000 events: task page usable",
        value: page ? `skipped: page ${page} exists but this figure is not written yet` : "skipped: the web app has no task page yet",
        target: "≤ 1 s, web RSS +≤ 50 MB",
        met: null,
      },
    ];
  },
};
