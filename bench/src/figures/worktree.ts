import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createWorktree, removeWorktree, silentLogger } from "@wharf/git";
import type { Figure } from "../figure";
import { round, summarize } from "../stats";

const run = promisify(execFile);
const FILES = 10_000;

async function generateRepo(root: string): Promise<string> {
  const repo = path.join(root, "repo");
  await mkdir(repo);
  await run("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
  for (let d = 0; d < FILES / 100; d++) {
    const dir = path.join(repo, "src", `module-${d}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(
      Array.from({ length: 100 }, (_, f) =>
        writeFile(path.join(dir, `file-${f}.ts`), Array.from({ length: 30 }, (_, i) => `export const v${i} = ${d * 1000 + f * 30 + i};`).join("\n")),
      ),
    );
  }
  await run("git", ["add", "--all"], { cwd: repo });
  await run("git", ["-c", "user.name=Wharf Bench", "-c", "user.email=bench@wharf.invalid", "commit", "--quiet", "-m", "generated"], { cwd: repo });
  return repo;
}

/** Wharf's createWorktree against a plain `git worktree add -b` on a 10,000-file repository. */
export const worktree: Figure = {
  id: "worktree",
  title: "worktree creation",
  async run(ctx) {
    const root = await mkdtemp(path.join(os.tmpdir(), "wharf-bench-worktree-"));
    try {
      const repo = await generateRepo(root);
      const dir = path.join(root, "worktrees");
      await mkdir(dir);
      const plain: number[] = [];
      const wharf: number[] = [];
      const runs = ctx.quick ? 3 : 5;
      const timePlain = async (i: number) => {
        await run("sync");
        const t = performance.now();
        await run("git", ["worktree", "add", "--quiet", "-b", `plain/${i}`, path.join(dir, `plain-${i}`), "main"], { cwd: repo });
        plain.push(performance.now() - t);
      };
      const timeWharf = async (i: number) => {
        await run("sync");
        const t = performance.now();
        await createWorktree({ repoPath: repo, baseBranch: "main", taskId: `bench-${i}`, worktreesDir: dir, logger: silentLogger });
        wharf.push(performance.now() - t);
      };
      for (let i = 0; i < runs; i++) {
        // Alternate the order so that neither side gets the warmer cache.
        if (i % 2 === 0) {
          await timePlain(i);
          await timeWharf(i);
        } else {
          await timeWharf(i);
          await timePlain(i);
        }
        await run("git", ["worktree", "remove", "--force", path.join(dir, `plain-${i}`)], { cwd: repo });
        await removeWorktree({ repoPath: repo, path: path.join(dir, `bench-${i}`), branch: `wharf/bench-${i}`, deleteBranch: true, logger: silentLogger });
      }
      const p = summarize(plain);
      const w = summarize(wharf);
      const ratio = w.median / p.median;
      return [
        { figure: "9 worktree", metric: `plain git worktree add (${FILES} files)`, summary: p },
        {
          figure: "9 worktree",
          metric: "Wharf createWorktree",
          summary: w,
          value: `${round(ratio, 2)}× plain`,
          target: "≤ 1.2× plain",
          met: ratio <= 1.2,
        },
      ];
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};
