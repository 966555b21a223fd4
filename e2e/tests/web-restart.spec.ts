import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { makeRepo, scenarioPrompt, startTask } from "./wharf";

/** The pid of the process listening on `port` (found through /proc: the socket's inode). */
function listenerPid(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local address ends with :PORT, state 0A = LISTEN, inode in column 10
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === "0A" && cols[9]) inodes.add(cols[9]);
    }
  }
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return Number(entry);
      } catch {
        // fd closed meanwhile
      }
    }
  }
  throw new Error(`no process listens on port ${port}`);
}

// The web process dies (kill -9) while a browser follows a task; the supervisor starts it again
// and the page's subscription resumes from its last event: every chunk once, in order.
test("the timeline resumes with no gap and no duplicate after the web server restarts", async ({ page, request, baseURL }) => {
  test.setTimeout(90_000);
  const words = Array.from({ length: 30 }, (_, i) => `w${String(i + 1).padStart(2, "0")}`);
  const expected = words.join(" ");
  const taskId = await startTask(
    request,
    makeRepo(),
    scenarioPrompt("Stream through a web restart", { steps: [{ type: "text", text: expected, chunks: words.length, delayMs: 300 }] }),
  );
  await page.goto(`/tasks/${taskId}`);
  // The agent's reply (the prompt bubble holds the same words inside the scenario).
  const reply = page.getByTestId("timeline").getByTestId("message-agent");
  await expect(reply).toContainText("w02");

  const port = Number(new URL(baseURL!).port);
  const before = listenerPid(port);
  process.kill(before, "SIGKILL");
  // The supervisor restarts the web server; the page reconnects on its own.
  await expect.poll(() => { try { return listenerPid(port) !== before; } catch { return false; } }, { timeout: 30_000 }).toBe(true);

  await expect(reply).toContainText(expected, { timeout: 45_000 });
  const text = (await reply.allInnerTexts()).join(" ").replace(/\s+/g, " ");
  for (const word of words) expect(text.split(word).length - 1, word).toBe(1);
});
