import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Figure, FigureContext } from "../figure";
import { summarize } from "../stats";
import { measureFirstText } from "./first-text";

/**
 * Workspaces: what an empty setup script adds to the first agent text, and how much faster a
 * project's second setup is than its first thanks to the cache its worktrees share
 * (`WHARF_CACHE_DIR`), on a generated project of a few hundred files whose dependencies are real
 * npm packages served from tarballs in the repository (no network).
 */

/** The README's recipe: node_modules kept in the project cache, keyed by the lockfile. */
const cachedInstallScript = `set -e
key=$(sha256sum package-lock.json | cut -c1-16)
cached="$WHARF_CACHE_DIR/node_modules-$key"
if [ -d "$cached" ]; then
  cp -a "$cached" node_modules
else
  npm ci --offline --no-audit --no-fund
  tmp="$cached.tmp.$$"
  cp -a node_modules "$tmp" && { mv -T "$tmp" "$cached" 2>/dev/null || rm -rf "$tmp"; }
fi
`;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Packages without dependencies of their own, taken from this checkout's pnpm store. */
const packages = ["zod", "picomatch", "yaml", "semver", "ms"];

function packageDir(name: string): string {
  const store = path.join(repoRoot, "node_modules", ".pnpm");
  const entry = readdirSync(store).find((e) => e.startsWith(`${name}@`) && !e.includes("_"));
  if (!entry) throw new Error(`${name} is not in ${store}; run pnpm install`);
  return realpathSync(path.join(store, entry, "node_modules", name));
}

/** A repository with `files` source files, the dependencies as tarballs under vendor/, and a lockfile. */
function generateProject(dir: string, files: number): string {
  mkdirSync(path.join(dir, "vendor"), { recursive: true });
  mkdirSync(path.join(dir, "src"));
  const dependencies: Record<string, string> = {};
  for (const name of packages) {
    execFileSync("tar", ["-czf", path.join(dir, "vendor", `${name}.tgz`), "-C", packageDir(name), "--transform", "s,^\\.,package,", "."]);
    dependencies[name] = `file:vendor/${name}.tgz`;
  }
  for (let i = 0; i < files; i++) {
    writeFileSync(path.join(dir, "src", `module-${i}.js`), `const { z } = require("zod");\nmodule.exports.schema${i} = z.object({ id: z.number(), name: z.string() });\n`);
  }
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "generated", version: "1.0.0", private: true, dependencies }, null, 2));
  writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n");
  execFileSync("npm", ["install", "--package-lock-only", "--offline", "--no-audit", "--no-fund"], { cwd: dir, stdio: "ignore" });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git("-c", "user.name=Wharf Bench", "-c", "user.email=bench@wharf.invalid", "commit", "--quiet", "-m", "generated project");
  return dir;
}

/** One task's setup on the project: ms the runner measured for it (copy + script). */
async function setupMs(ctx: FigureContext, projectId: string): Promise<number> {
  const { api, tap } = ctx.stack;
  const task = await api.task.create({ projectId, agentId: "acp-example", prompt: "Say hello." });
  const done = await tap.waitFor(
    task.id,
    (e) => e.event.type === "tool_call" && e.event.toolCallId.startsWith("wharf-setup-") && (e.event.status === "completed" || e.event.status === "failed"),
    "the end of setup",
    180_000,
  );
  await api.task.cancel({ id: task.id });
  await ctx.stack.waitTurnOver(task.id);
  if (done.event.type !== "tool_call" || done.event.status !== "completed") throw new Error(`the setup failed: ${done.event.type === "tool_call" ? done.event.title : "?"}`);
  const raw: unknown = done.event.rawOutput;
  if (!raw || typeof raw !== "object" || !("durationMs" in raw) || typeof raw.durationMs !== "number") throw new Error("the setup step carries no duration");
  return raw.durationMs;
}

export const setup: Figure = {
  id: "setup",
  title: "workspace setup: empty script overhead, first vs second setup",
  async run(ctx) {
    const { api } = ctx.stack;
    await ctx.runner();
    const runs = ctx.quick ? 5 : 15;
    const plain = await ctx.stack.project();
    const empty = await ctx.stack.project();
    await api.project.update({ id: empty, setupScript: "true" });
    const without = summarize((await measureFirstText(ctx, plain, runs)).latency);
    const withEmpty = summarize((await measureFirstText(ctx, empty, runs)).latency);
    const overhead = withEmpty.median - without.median;

    const pairs = ctx.quick ? 1 : 3;
    const ratios: number[] = [];
    const first: number[] = [];
    const second: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const repo = generateProject(path.join(ctx.stack.dir, `generated-${i}`), 300);
      const project = await api.project.create({ path: repo });
      await api.project.update({ id: project.id, setupScript: cachedInstallScript, setupTimeoutSeconds: 600 });
      const a = await setupMs(ctx, project.id);
      const b = await setupMs(ctx, project.id);
      first.push(a);
      second.push(b);
      ratios.push(b / a);
    }
    const ratio = summarize(ratios);
    return [
      { figure: "13 setup", metric: "task.create → first agent text, project without setup (acp-example)", summary: without },
      {
        figure: "13 setup",
        metric: "the same with an empty setup script (`true`)",
        summary: withEmpty,
        target: "≤ +30 ms at the median",
        met: overhead <= 30,
        note: `+${Math.round(overhead)} ms at the median`,
      },
      { figure: "13 setup", metric: `first setup: npm ci of ${packages.length} local tarballs, 300 source files`, summary: summarize(first) },
      { figure: "13 setup", metric: "second setup of the same project (node_modules from WHARF_CACHE_DIR)", summary: summarize(second) },
      {
        figure: "13 setup",
        metric: "second / first setup",
        value: ratio.median.toFixed(2),
        target: "≤ 0.20",
        met: ratio.median <= 0.2,
        note: `${pairs} project(s); the script is the README's cached-install recipe`,
      },
    ];
  },
};
