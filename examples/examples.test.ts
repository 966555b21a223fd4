import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWharfClient, waitForTask } from "@wharf/client";
import { scenarioPrompt, startTestWharf, type TestWharf } from "@wharf/client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const dir = path.dirname(fileURLToPath(import.meta.url));

let wharf: TestWharf;
beforeAll(async () => {
  wharf = await startTestWharf();
}, 90_000);
afterAll(async () => {
  await wharf?.stop();
}, 30_000);

/** An example as a person runs it: plain `node examples/<name>.ts`, no loader. */
function example(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", WHARF_URL: wharf.url, WHARF_HOME: wharf.home };
    execFile(process.execPath, [path.join(dir, name), ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe("examples run with plain Node against a real Wharf", () => {
  it("create-and-review.ts: create → permission → allow → review → apply", async () => {
    const repo = wharf.makeRepo();
    const run = await example("create-and-review.ts", ["--repo", repo]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/task [0-9a-f-]{36} queued/);
    expect(run.stdout).toContain("allowed: Write hello.txt");
    expect(run.stdout).toContain("added hello.txt +1 -0");
    expect(run.stdout).toContain(`applied as ${wharf.git(repo, "rev-parse", "main")}`);
    expect(readFileSync(path.join(repo, "hello.txt"), "utf8")).toBe("hello from a Wharf script\n");
  });

  it("permission-policy.ts allows an edit, rejects a command; follow-timeline.ts prints the timeline", async () => {
    const client = createWharfClient({ url: wharf.url, token: wharf.token });
    const project = await client.project.create.mutate({ path: wharf.makeRepo() });
    const scenario = {
      steps: [
        {
          type: "permission",
          toolCallId: "edit-1",
          title: "Write notes.txt",
          kind: "edit",
          onAllow: [{ type: "write_file", path: "notes.txt", content: "notes\n" }],
          onReject: [{ type: "text", text: "edit rejected" }],
        },
        {
          type: "permission",
          toolCallId: "run-1",
          title: "Run rm -rf build",
          kind: "execute",
          onAllow: [{ type: "text", text: "ran it" }],
          onReject: [{ type: "text", text: "not running it" }],
        },
      ],
    };
    const task = await client.task.create.mutate({ projectId: project.id, agentId: "scripted", prompt: scenarioPrompt(scenario) });
    const policy = await example("permission-policy.ts", [task.id]);
    expect(policy.code, policy.stderr).toBe(0);
    expect(policy.stdout).toContain("allow_once: Write notes.txt (edit)");
    expect(policy.stdout).toContain("reject_once: Run rm -rf build (execute)");
    expect(policy.stdout).toContain("task review");

    const reviewed = await waitForTask(client, task.id, ["review"]);
    expect(reviewed.change?.files.map((f) => f.path)).toEqual(["notes.txt"]);

    const timeline = await example("follow-timeline.ts", [task.id]);
    expect(timeline.code, timeline.stderr).toBe(0);
    expect(timeline.stdout).toMatch(/^\s+1 user: /);
    expect(timeline.stdout).toContain("permission asked: Run rm -rf build");
    expect(timeline.stdout).toContain("permission selected (reject_once)");
    expect(timeline.stdout).toContain("agent: not running it");
    expect(timeline.stdout.trim().split("\n").at(-1)).toMatch(/\[review\]/);

    expect((await example("follow-timeline.ts", [])).code).toBe(2);
  });
});
