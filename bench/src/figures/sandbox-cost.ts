import { setTimeout as delay } from "node:timers/promises";
import type { Figure } from "../figure";
import { childPids, descendantPids, treeRss } from "../procs";
import { round, summarize } from "../stats";
import { measureFirstText } from "./first-text";

type Mode = "off" | "auto";

/**
 * First agent text of the example agent with the OS sandbox off and on, same machine, same run.
 * The two alternate in blocks (off, on, on, off, …) so a machine whose load changes during the run
 * does not favour either; each block starts a runner of its own and one unmeasured task.
 * Besides the latency, the runner's whole process tree at rest (runner, its waiting spare agent
 * and, in the sandbox, bwrap and the sandbox's init) is measured after each block: the cost of
 * keeping a sandboxed agent warm.
 */
export const sandboxCost: Figure = {
  id: "sandbox-cost",
  title: "the OS sandbox's cost on first agent text",
  async run(ctx) {
    const projectId = await ctx.stack.project();
    const blocks: Mode[] = ctx.quick ? ["off", "auto"] : ["off", "auto", "auto", "off", "off", "auto"];
    const perBlock = 5;
    const latency: Record<Mode, number[]> = { off: [], auto: [] };
    const tree: Record<Mode, { rss: number[]; processes: number[] }> = { off: { rss: [], processes: [] }, auto: { rss: [], processes: [] } };
    for (const mode of blocks) {
      const runner = await ctx.runner({ sandbox: mode });
      if (mode === "auto") {
        // A runner that could not sandbox runs its agents as before: that would measure nothing.
        const { sandbox } = await ctx.stack.api.health.check();
        if (!sandbox?.on) throw new Error(`the sandbox is not on for the runner: ${sandbox?.reason ?? "it reported nothing"}`);
      }
      latency[mode].push(...(await measureFirstText(ctx, projectId, perBlock)).latency);
      const atRest = await restingTree(runner.pid, mode);
      tree[mode].rss.push(atRest.rss);
      tree[mode].processes.push(atRest.processes);
    }
    const off = summarize(latency.off);
    const on = summarize(latency.auto);
    const ratio = on.median / off.median;
    const median = (values: number[]) => summarize(values).median;
    return [
      { figure: "4b sandbox cost", metric: "task.create returned → first agent text, sandbox OFF (acp-example)", summary: off },
      { figure: "4b sandbox cost", metric: "task.create returned → first agent text, sandbox ON (bubblewrap)", summary: on },
      {
        figure: "4b sandbox cost",
        metric: "ratio ON / OFF at the median",
        value: `${ratio.toFixed(2)} ×`,
        target: "≤ 1.25 ×",
        met: ratio <= 1.25,
        note: `${blocks.length} alternating blocks of ${perBlock}; in both, the agent was started before its task (sandboxed: in an empty slot folder the task's worktree is then made in)`,
      },
      {
        figure: "4b sandbox cost",
        metric: "runner process tree at rest with its waiting spare, RSS MiB (OFF → ON)",
        value: `${round(median(tree.off.rss))} → ${round(median(tree.auto.rss))}`,
        note: `processes in the tree: ${median(tree.off.processes)} → ${median(tree.auto.processes)} (bwrap and the sandbox's init per sandboxed agent)`,
      },
    ];
  },
};

/**
 * The runner's process tree once the spare for the next task runs: the agent (node) is the deepest
 * process, one level below the runner unsandboxed, three in the sandbox (bwrap, its init, node).
 * The spare starts 250 ms after a task took its agent; this looks at /proc every 100 ms for at
 * most 10 s (a measurement of another process, which has no event to wait on).
 */
async function restingTree(runnerPid: number, mode: Mode): Promise<{ rss: number; processes: number }> {
  const depth = mode === "off" ? 1 : 3;
  for (let i = 0; i < 100 && deepest(runnerPid) < depth; i++) await delay(100);
  return { rss: treeRss(runnerPid), processes: 1 + descendantPids(runnerPid).length };
}

function deepest(pid: number): number {
  return Math.max(0, ...childPids(pid).map((child) => 1 + deepest(child)));
}
