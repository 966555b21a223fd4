import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Wraps a scripted-agent scenario in a prompt the test agent picks it up from. */
export const scenario = (value: unknown) => `Scripted run.\n\`\`\`scenario\n${JSON.stringify(value)}\n\`\`\``;

/**
 * A prompt for an agent that records its pid, leaves a detached child (`setsid sleep`), ignores
 * SIGTERM, says something and then hangs: the worst case for cancel and crash clean-up.
 * `pids()` reads back the agent's and the child's pids once the agent has spoken.
 */
export function hangingAgent(): { prompt: string; pids(): { agent: number; child: number } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-hang-"));
  return {
    prompt: scenario({
      steps: [
        { type: "record", path: path.join(dir, "agent.json") },
        { type: "spawn_detached", pidFile: path.join(dir, "child.pid") },
        { type: "ignore_sigterm" },
        { type: "text", text: "working on it" },
        { type: "hang" },
      ],
    }),
    pids: () => ({
      agent: (JSON.parse(readFileSync(path.join(dir, "agent.json"), "utf8")) as { pid: number }).pid,
      child: Number(readFileSync(path.join(dir, "child.pid"), "utf8").trim()),
    }),
  };
}
