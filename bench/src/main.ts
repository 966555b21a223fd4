/**
 * Wharf's benchmarks on the real stack: `./wharf bench [--quick] [--only dispatch,notify]`.
 * Prints a table (median, p95, p99 in ms over repeated runs) and writes bench/results/<time>.json.
 * It measures; it does not assert.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Figure, FigureContext, Row } from "./figure";
import { baseline } from "./figures/baseline";
import { board } from "./figures/board";
import { concurrency } from "./figures/concurrency";
import { dependency } from "./figures/dependency";
import { dispatch } from "./figures/dispatch";
import { dispatchNetns } from "./figures/dispatch-netns";
import { firstText } from "./figures/first-text";
import { sandboxCost } from "./figures/sandbox-cost";
import { setup } from "./figures/setup";
import { flood } from "./figures/flood";
import { footprint } from "./figures/footprint";
import { history } from "./figures/history";
import { memory } from "./figures/memory";
import { notify } from "./figures/notify";
import { throughput } from "./figures/throughput";
import { worktree } from "./figures/worktree";
import { repoRoot, startBenchStack, type RunnerProcess } from "./stack";
import { readBenchEnv } from "./env";
import { formatTable } from "./table";

const figures: Figure[] = [dispatch, dispatchNetns, dependency, notify, baseline, firstText, sandboxCost, flood, throughput, concurrency, history, board, worktree, setup, memory, footprint];

function parseArgs(argv: string[]) {
  let quick = false;
  let only: string[] | null = null;
  let profile = false;
  let runnerFromSource = false;
  let subscriber: "trpc" | "listen" = "trpc";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") quick = true;
    else if (arg === "--profile") profile = true;
    else if (arg === "--listen") subscriber = "listen";
    else if (arg === "--runner-source") runnerFromSource = true;
    else if (arg === "--only") only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (arg.startsWith("--only=")) only = arg.slice(7).split(",").filter(Boolean);
    else if (arg === "--") continue;
    else if (arg === "--help" || arg === "-h") {
      console.log(`usage: ./wharf bench [--quick] [--profile] [--listen] [--runner-source] [--only ${figures.map((f) => f.id).join(",")}]`);
      process.exit(0);
    } else {
      console.error(`unknown argument ${arg}; see --help`);
      process.exit(2);
    }
  }
  const unknown = (only ?? []).filter((id) => !figures.some((f) => f.id === id));
  if (unknown.length) {
    console.error(`unknown figure(s) ${unknown.join(", ")}; known: ${figures.map((f) => f.id).join(", ")}`);
    process.exit(2);
  }
  return { quick, only, profile, subscriber, runnerFromSource };
}

async function main(): Promise<number> {
  const { quick, only, profile, subscriber, runnerFromSource } = parseArgs(process.argv.slice(2));
  const selected = figures.filter((f) => !only || only.includes(f.id));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const begun = performance.now();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(" ");
  log(`wharf bench: ${selected.map((f) => f.id).join(", ")}${quick ? " (quick)" : ""}; load average ${loadAtStart}`);
  const profileDir = profile ? path.join(repoRoot, "bench/results", `profile-${new Date().toISOString().replace(/[:.]/g, "-")}`) : undefined;
  if (profileDir) log(`runner CPU profiles go to ${profileDir} (open them in Chrome DevTools)`);
  const stack = await startBenchStack({ env: readBenchEnv(), log, subscriber, runnerFromSource, ...(profileDir ? { profileDir } : {}) });
  let current: RunnerProcess | null = null;
  let currentIdle = 0;
  let currentSandbox: "auto" | "off" = "auto";
  const ctx: FigureContext = {
    stack,
    quick,
    log,
    shared: {},
    async runner(opts = {}) {
      const concurrency = opts.concurrency ?? 10;
      const idleMs = opts.idleMs ?? 3000;
      const sandbox = opts.sandbox ?? "auto";
      if (current && current.concurrency === concurrency && currentIdle === idleMs && currentSandbox === sandbox) return current;
      await ctx.stopRunner();
      current = await stack.startRunner({ concurrency, idleMs, sandbox });
      currentIdle = idleMs;
      currentSandbox = sandbox;
      return current;
    },
    async stopRunner() {
      const runner = current;
      current = null;
      await runner?.stop();
    },
  };
  const rows: Row[] = [];
  const failures: Array<{ figure: string; error: string }> = [];
  try {
    for (const figure of selected) {
      const t = performance.now();
      log(`— ${figure.id}: ${figure.title}`);
      try {
        rows.push(...(await figure.run(ctx)));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ figure: figure.id, error: message });
        rows.push({ figure: figure.id, metric: figure.title, value: `failed: ${message.split("\n")[0]}`, met: null });
      }
      log(`  ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  } finally {
    await ctx.stopRunner();
    await stack.stop();
  }

  const load = os.loadavg().map((l) => l.toFixed(1)).join(" ");
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.versions.node}, load average at the end ${load}`;
  const when = new Date();
  console.log(`\nWharf benchmarks — ${when.toISOString()} — ${machine} — ${stack.databaseKind} — subscriber: ${stack.tap.kind} — runner: ${runnerFromSource ? "sources via tsx" : "dist/main.mjs"}${quick ? " — quick" : ""}\n`);
  console.log(formatTable(rows));
  const dir = path.join(repoRoot, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${when.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify({ date: when.toISOString(), machine, database: stack.databaseKind, subscriber: stack.tap.kind, runner: runnerFromSource ? "source" : "dist", loadAtStart, quick, figures: selected.map((f) => f.id), rows, failures }, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file)} (total ${((performance.now() - begun) / 1000).toFixed(0)} s)`);
  // A benchmark reports; only a figure that could not run at all makes the command fail.
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
