import type { Figure } from "../figure";
import { summarize } from "../stats";
import { measureFirstText } from "./first-text";

/** First agent text of the example agent with the OS sandbox off and on, same machine, same run. */
export const sandboxCost: Figure = {
  id: "sandbox-cost",
  title: "the OS sandbox's cost on first agent text",
  async run(ctx) {
    const projectId = await ctx.stack.project();
    const runs = ctx.quick ? 5 : 15;
    await ctx.runner({ sandbox: "off" });
    const off = summarize((await measureFirstText(ctx, projectId, runs)).latency);
    await ctx.runner({ sandbox: "auto" });
    const on = summarize((await measureFirstText(ctx, projectId, runs)).latency);
    const ratio = on.median / off.median;
    return [
      { figure: "4b sandbox cost", metric: "task.create returned → first agent text, sandbox off (acp-example)", summary: off },
      {
        figure: "4b sandbox cost",
        metric: "the same with the sandbox on (bubblewrap)",
        summary: on,
        target: "≤ 1.25 × off",
        met: ratio <= 1.25,
        note: `${ratio.toFixed(2)} × off at the median (sandboxed agents are started when their task is claimed, in its worktree folder; unsandboxed a spare is ready before)`,
      },
    ];
  },
};
