import path from "node:path";
import { expect, test } from "@playwright/test";
import { makeRepo, mutate, shoot } from "./wharf";

test.describe.configure({ timeout: 90_000 });

/** A shell-script CLI agent: coloured progress, asks whom to greet on its terminal, writes greeting.txt. */
const ptyAgentBin = path.resolve(import.meta.dirname, "..", "..", "packages", "test-agent", "bin", "wharf-pty-agent.sh");

test("an agent in a terminal: live coloured output, typed input reaches it, and its change reaches review", async ({ page, request }) => {
  await mutate(request, "agent.upsert", { id: "greeter-cli", name: "Greeter CLI", transport: "pty", command: ptyAgentBin, args: [] });
  const project = await mutate<{ id: string }>(request, "project.create", { path: makeRepo() });
  const task = await mutate<{ id: string }>(request, "task.create", { projectId: project.id, agentId: "greeter-cli", prompt: "Greet a famous programmer" });

  await page.goto(`/tasks/${task.id}`);
  // A PTY agent's page opens on its terminal.
  await expect(page.getByRole("tab", { name: /terminal/i })).toHaveAttribute("aria-selected", "true");
  const terminal = page.getByTestId("task-terminal");
  await expect(terminal).toContainText("Who should I greet?", { timeout: 20_000 });
  await expect(page.getByTestId("task-state")).toContainText("Running");
  await expect(terminal).toContainText("pty-agent working on: Greet a famous programmer");
  // The ANSI colours arrive as colours (bold cyan, drawn bright), not as escape text.
  await expect(terminal.locator(".xterm-rows span.xterm-bold").first()).toHaveText("pty-agent");
  await expect(terminal.locator(".xterm-rows span.xterm-bold").first()).toHaveClass(/\bxterm-fg-(6|14)\b/);
  await expect(terminal).not.toContainText("[1;36m");
  await expect(page.getByTestId("terminal-status")).toContainText("running");

  // The size the panel fitted to while the agent runs (the follow-up box takes room later).
  const fitted = `${await terminal.getAttribute("data-rows")} ${await terminal.getAttribute("data-cols")}`;
  // The new size reaches the agent before anyone types (it is sent debounced after the fit).
  await expect(terminal).toHaveAttribute("data-sent-size", fitted, { timeout: 10_000 });

  // Typing into the terminal reaches the script, which is waiting on `read`.
  await terminal.click();
  await page.keyboard.type("Ada Lovelace");
  await page.keyboard.press("Enter");
  await expect(terminal).toContainText("writing greeting.txt for Ada Lovelace");
  // The script reports the terminal size it sees: the browser's, sent when it fitted the panel.
  const size = await terminal.locator(".xterm-rows").innerText();
  const seen = /\(terminal (\d+) (\d+)\)/.exec(size);
  expect(seen, "the script printed its terminal size").not.toBeNull();
  expect(`${seen![1]} ${seen![2]}`).toBe(fitted);

  await expect(page.getByTestId("task-state")).toContainText("Review", { timeout: 20_000 });
  await expect(terminal).toContainText("[exited with code 0]");
  await expect(page.getByTestId("terminal-status")).toContainText("exited with code 0 · read-only");
  await shoot(page, "pty-terminal");

  // The change goes through the same review as an ACP agent's.
  await page.getByRole("tab", { name: /review/i }).click();
  await expect(page.getByTestId("diff-file").filter({ hasText: "greeting.txt" })).toContainText("hello Ada Lovelace");

  // Opened again later, the terminal replays what was stored, read-only.
  await page.reload();
  const replayed = page.getByTestId("task-terminal");
  await expect(replayed).toContainText("writing greeting.txt for Ada Lovelace");
  await expect(replayed).toContainText("[exited with code 0]");
  await replayed.click();
  await page.keyboard.type("ignored");
  await expect(page.getByRole("alert").filter({ hasText: /did not reach/ })).toHaveCount(0);
  await expect(replayed).not.toContainText("ignored");
  // A read-only terminal does not trap the keyboard: Tab moves on.
  await expect(replayed.locator(".xterm-helper-textarea")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(replayed.locator(".xterm-helper-textarea")).not.toBeFocused();
});
