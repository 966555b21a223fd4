/**
 * Time to create a task worktree on a generated 10,000-file repository: Wharf's createWorktree
 * against a plain `git worktree add -b`, alternated, median of several runs.
 *
 *   pnpm --filter @wharf/git bench [files] [runs]
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger } from "../src/logger";
import { createTempDir, gitOutput } from "../src/testing";
import { createWorktree, removeWorktree } from "../src/worktree";

const run = promisify(execFile);
const fileCount = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 7);

async function generateRepo(root: string): Promise<string> {
  const repo = join(root, "repo");
  await mkdir(repo);
  await gitOutput(repo, "init", "--quiet", "--initial-branch=main");
  const perDir = 100;
  for (let d = 0; d < Math.ceil(fileCount / perDir); d++) {
    const dir = join(repo, "src", `module-${d}`);
    await mkdir(dir, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let f = 0; f < perDir && d * perDir + f < fileCount; f++) {
      const body = Array.from({ length: 30 }, (_, i) => `export const value${i} = ${d * 1000 + f * 30 + i};`).join("\n");
      writes.push(writeFile(join(dir, `file-${f}.ts`), `${body}\n`));
    }
    await Promise.all(writes);
  }
  await gitOutput(repo, "add", "--all");
  await gitOutput(repo, "commit", "--quiet", "-m", "generated");
  return repo;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const root = await createTempDir("wharf-bench-");
  try {
    const repo = await generateRepo(root);
    const worktreesDir = join(root, "worktrees");
    await mkdir(worktreesDir);
    const plain: number[] = [];
    const wharf: number[] = [];

    // Flush pending writes before each measurement so that neither side pays for the other's.
    const settle = () => run("sync");
    const timePlain = async (i: number) => {
      await settle();
      const start = performance.now();
      await run("git", ["worktree", "add", "--quiet", "-b", `plain/${i}`, join(worktreesDir, `plain-${i}`), "main"], {
        cwd: repo,
      });
      plain.push(performance.now() - start);
    };
    const timeWharf = async (i: number) => {
      await settle();
      const start = performance.now();
      await createWorktree({ repoPath: repo, baseBranch: "main", taskId: `bench-${i}`, worktreesDir, logger: silentLogger });
      wharf.push(performance.now() - start);
    };

    for (let i = 0; i < runs; i++) {
      // Alternate which goes first so that caches and background write-back favour neither.
      if (i % 2 === 0) {
        await timePlain(i);
        await timeWharf(i);
      } else {
        await timeWharf(i);
        await timePlain(i);
      }
      await run("git", ["worktree", "remove", "--force", join(worktreesDir, `plain-${i}`)], { cwd: repo });
      await removeWorktree({
        repoPath: repo,
        path: join(worktreesDir, `bench-${i}`),
        branch: `wharf/bench-${i}`,
        deleteBranch: true,
        logger: silentLogger,
      });
    }

    const plainMs = median(plain);
    const wharfMs = median(wharf);
    console.log(`files: ${fileCount}, runs: ${runs}`);
    console.log(`plain git worktree add: median ${plainMs.toFixed(1)} ms  (${plain.map((v) => v.toFixed(0)).join(", ")})`);
    console.log(`createWorktree:         median ${wharfMs.toFixed(1)} ms  (${wharf.map((v) => v.toFixed(0)).join(", ")})`);
    console.log(`ratio of medians: ${(wharfMs / plainMs).toFixed(2)}x (target <= 1.2x)`);
    console.log(`ratio of minimums: ${(Math.min(...wharf) / Math.min(...plain)).toFixed(2)}x`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
