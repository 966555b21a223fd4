import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const screenshots = path.join(import.meta.dirname, "..", "screenshots");

/** A real git repository in a temp dir with one commit (`src/app.txt`). */
export function makeRepo(): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), "wharf-e2e-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Wharf E2E", "-c", "user.email=e2e@wharf.invalid", "-c", "init.defaultBranch=main", ...args], { cwd: repo, stdio: "pipe" });
  git("init", "-q");
  mkdirSync(path.join(repo, "src"));
  writeFileSync(path.join(repo, "src", "app.txt"), "one\ntwo\nthree\n");
  git("add", ".");
  git("commit", "-qm", "initial");
  return repo;
}

/** A prompt that drives the scripted agent: a title line, then the scenario block. */
export function scenarioPrompt(title: string, scenario: unknown): string {
  return `${title}\n\`\`\`scenario\n${JSON.stringify(scenario)}\n\`\`\``;
}

/** The agent reads, plans, asks to write `file`, and writes it only when allowed. */
export function editWithPermission(file: string, content: string) {
  return {
    steps: [
      { type: "text", text: "Let me look at the **project** first.", chunks: 3 },
      { type: "plan", entries: [{ content: "Read the app", status: "in_progress" }, { content: "Write the greeting", status: "pending" }] },
      { type: "tool_call", id: "read-1", title: "Read src/app.txt", kind: "read", status: "in_progress", locations: [{ path: "src/app.txt" }] },
      { type: "read_file", path: "src/app.txt" },
      { type: "tool_call_update", id: "read-1", status: "completed" },
      { type: "plan", entries: [{ content: "Read the app", status: "completed" }, { content: "Write the greeting", status: "in_progress" }] },
      {
        type: "permission",
        toolCallId: "edit-1",
        title: `Write ${file}`,
        kind: "edit",
        content: [{ type: "diff", path: file, oldText: null, newText: content }],
        locations: [{ path: file }],
        onAllow: [
          { type: "write_file", path: file, content },
          { type: "tool_call_update", id: "edit-1", status: "completed" },
          { type: "plan", entries: [{ content: "Read the app", status: "completed" }, { content: "Write the greeting", status: "completed" }] },
          { type: "text", text: "Done: wrote the file.\n\n~~~ts\nconst greeting = \"hello\";\n~~~" },
        ],
        onReject: [
          { type: "tool_call_update", id: "edit-1", status: "failed" },
          { type: "text", text: "Understood, I was told no and wrote nothing." },
        ],
      },
    ],
  };
}

/** Calls a tRPC mutation over HTTP the way a script would (bearer token, superjson body). */
export async function mutate<T>(request: APIRequestContext, procedure: string, input: unknown): Promise<T> {
  const response = await request.post(`/api/trpc/${procedure}`, {
    headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}`, "content-type": "application/json" },
    data: { json: input },
  });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

/** Calls a tRPC query over HTTP the way a script would (bearer token, superjson input). */
export async function query<T>(request: APIRequestContext, procedure: string, input?: unknown): Promise<T> {
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await request.get(`/api/trpc/${procedure}${search}`, { headers: { authorization: `Bearer ${process.env.WHARF_E2E_TOKEN}` } });
  const body = (await response.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!response.ok() || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error ?? body)}`);
  return body.result.data.json;
}

/** Adds the repo as a project and starts a scripted task; returns the task id. */
export async function startTask(request: APIRequestContext, repo: string, prompt: string): Promise<string> {
  const project = await mutate<{ id: string }>(request, "project.create", { path: repo });
  const task = await mutate<{ id: string }>(request, "task.create", { projectId: project.id, agentId: "scripted", prompt });
  return task.id;
}

/** Saves a light and a dark screenshot of the page as it is. */
export async function shoot(page: Page, name: string) {
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  for (const mode of ["light", "dark"] as const) {
    await page.evaluate((m) => {
      document.documentElement.dataset.theme = m;
    }, mode);
    // Colours ease over 150 ms; wait until they settle.
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(screenshots, `${name}-${mode}.png`) });
  }
  await page.evaluate((t) => {
    document.documentElement.dataset.theme = t ?? "light";
  }, theme);
  await expect(page.locator("html")).toHaveAttribute("data-theme", theme ?? "light");
}
