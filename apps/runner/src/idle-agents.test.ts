import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scenario } from "./testing/hanging-agent";
import { alive } from "./testing/processes";
import { makeRepo } from "./testing/git-fixture";
import { startStack, type Stack } from "./testing/stack";


let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ runnerEnv: { WHARF_AGENT_IDLE_MS: "300", WHARF_SANDBOX: "off" } }) // it reads host pids the agent records;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
}, 30_000);


it("stops an idle agent after the idle time and starts it again, resuming its session, for a follow-up", async () => {
  const project = await stack.api.project.create({ path: makeRepo() });
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-idle-"));
  const task = await stack.api.task.create({
    projectId: project.id,
    agentId: "scripted",
    prompt: scenario({
      steps: [{ type: "record", path: path.join(dir, "first.json") }, { type: "write_file", path: "a.txt", content: "a\n" }],
    }),
  });
  const review = await stack.waitForState(task.id, ["review", "failed"]);
  expect(review.state).toBe("review");
  const first = JSON.parse(readFileSync(path.join(dir, "first.json"), "utf8")) as { pid: number };
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(alive(first.pid)).toBe(false);

  // A restarted scripted agent keeps no scenario between processes, so the follow-up brings its own.
  await stack.api.task.prompt({ id: task.id, prompt: scenario({ steps: [{ type: "record", path: path.join(dir, "second.json") }, { type: "text", text: "back again" }] }) });
  await stack.waitForEvent(task.id, (e) => e.type === "message" && e.role === "agent" && e.text.includes("back again"), "the second turn");
  const again = await stack.waitForState(task.id, ["review", "failed"], 20_000);
  expect(again.state).toBe("review");
  const second = JSON.parse(readFileSync(path.join(dir, "second.json"), "utf8")) as { pid: number };
  expect(second.pid).not.toBe(first.pid);
  // The agent supports session/load, so the task keeps its session id.
  expect(again.sessionId).toBe(review.sessionId);
}, 60_000);
