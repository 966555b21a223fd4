import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { makeRepo, query, scenarioPrompt, shoot, startTask } from "./wharf";

test.describe.configure({ timeout: 120_000 });

type History = { events: Array<{ event: { type: string; role?: string; text?: string } }> };

/**
 * Review that lands work, as a person does it: line comments sent back to the agent (what the
 * agent received is asserted), viewed marks that reset when a later turn changes the file, and a
 * partial apply with an edited commit message, then discarding the rest.
 */
test("a person comments on two lines, marks files viewed, applies two of three files and discards the rest", async ({ page, request }) => {
  const repo = makeRepo();
  const scenario = {
    turns: [
      [
        { type: "write_file", path: "a.txt", content: "alpha one\nalpha two\nalpha three\n" },
        { type: "write_file", path: "b.txt", content: "bravo\n" },
        { type: "write_file", path: "c.txt", content: "charlie\n" },
        { type: "text", text: "Wrote three files." },
      ],
      // The second turn says what it was asked, and changes a.txt.
      [
        { type: "write_file", path: "a.txt", content: "alpha one\nalpha 2\nalpha three\n" },
        { type: "text", text: "Got: {{prompt}}" },
      ],
    ],
  };
  const id = await startTask(request, repo, scenarioPrompt("Write three files", scenario));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByText("Change ready — review it →")).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: /review/i }).click();
  const review = page.getByTestId("review");
  const file = (name: string) => review.locator(`[data-testid="diff-file"][data-path="${name}"]`);
  await expect(file("c.txt")).toBeVisible();

  // Viewed: a checkbox, and `v` on the file under the pointer.
  await file("b.txt").getByTestId("viewed").check();
  await file("a.txt").hover();
  await page.keyboard.press("v");
  await expect(review.getByTestId("viewed-count")).toHaveText("2 / 3 viewed");
  await expect(file("a.txt")).toHaveAttribute("data-viewed", "true");

  // Two comments: one line of a.txt, one of b.txt.
  await file("a.txt").locator('[data-testid="line-number"][data-line="2"][data-side="new"]').click();
  await file("a.txt").getByRole("textbox", { name: "Comment on line 2" }).fill("Use a digit here.");
  await file("a.txt").getByRole("button", { name: "Comment", exact: true }).click();
  await expect(file("a.txt").getByTestId("comment")).toContainText("Use a digit here.");
  await file("b.txt").locator('[data-testid="line-number"][data-line="1"][data-side="new"]').click();
  await file("b.txt").getByRole("textbox", { name: "Comment on line 1" }).fill("Capitalise it.");
  await page.keyboard.press("Control+Enter");
  await expect(file("b.txt").getByTestId("comment")).toContainText("Capitalise it.");
  // A comment can be edited until it is sent.
  await file("b.txt").getByRole("button", { name: "Edit comment" }).click();
  await file("b.txt").getByRole("textbox", { name: "Edit the comment on line 1" }).fill("Capitalise the name.");
  await file("b.txt").getByRole("button", { name: "Save", exact: true }).click();
  await expect(file("b.txt").getByTestId("comment")).toContainText("Capitalise the name.");
  await shoot(page, "review-comments");

  // Send them: the agent's next turn gets one prompt naming both places and both comments.
  await review.getByTestId("send-comments").click();
  await expect(file("a.txt").getByTestId("comment")).toHaveAttribute("data-state", "sent", { timeout: 30_000 });
  await expect(review.getByTestId("apply")).toBeVisible({ timeout: 30_000 });
  const history = await query<History>(request, "task.history", { taskId: id });
  const said = history.events.flatMap((e) => (e.event.type === "message" && e.event.role === "agent" ? [e.event.text ?? ""] : [])).join("");
  expect(said).toContain("Got: ");
  expect(said).toContain("`a.txt:2`");
  expect(said).toContain("Use a digit here.");
  expect(said).toContain("`b.txt:1`");
  expect(said).toContain("Capitalise the name.");

  // The turn changed a.txt: its mark is gone, b.txt's stays.
  type Viewed = { files: Array<{ path: string; viewed: boolean }> };
  await expect.poll(async () => (await query<Viewed>(request, "review.viewed", { taskId: id })).files.find((f) => f.path === "a.txt")?.viewed, { timeout: 15_000 }).toBe(false);
  await expect(file("a.txt")).toHaveAttribute("data-viewed", "false", { timeout: 15_000 });
  await expect(file("b.txt")).toHaveAttribute("data-viewed", "true");
  await expect(review.getByTestId("viewed-count")).toHaveText("1 / 3 viewed");

  // Apply a and b with an edited message; c stays to review.
  await file("c.txt").getByTestId("apply-file").uncheck();
  await review.getByRole("button", { name: "Commit message" }).click();
  await page.getByRole("textbox", { name: "Commit message" }).fill("Take a and b only\n\nFrom the review.");
  await expect(review.getByTestId("apply")).toHaveText("Apply 2 of 3 files");
  await shoot(page, "review-partial-apply");
  await review.getByTestId("apply").click();
  await expect(page.getByText(/stays on the task branch to review: c\.txt/)).toBeVisible({ timeout: 30_000 });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
  expect(git("log", "-1", "--format=%s%n%n%b", "main")).toBe("Take a and b only\n\nFrom the review.");
  expect(git("show", "--name-only", "--format=", "main").split("\n").sort()).toEqual(["a.txt", "b.txt"]);
  expect(readFileSync(path.join(repo, "a.txt"), "utf8")).toBe("alpha one\nalpha 2\nalpha three\n");
  expect(existsSync(path.join(repo, "c.txt"))).toBe(false);
  await expect(file("c.txt")).toBeVisible();
  await expect(file("a.txt")).toHaveCount(0);

  // Discard what is left.
  await review.getByRole("button", { name: "Discard", exact: true }).click();
  await expect(review.getByText("Discarded")).toBeVisible({ timeout: 30_000 });
  expect(existsSync(path.join(repo, "c.txt"))).toBe(false);
});

test("a person pushes the task branch to the project's remote from the review", async ({ page, request }) => {
  const repo = makeRepo();
  const remote = `${repo}-remote.git`;
  execFileSync("git", ["init", "-q", "--bare", remote]);
  execFileSync("git", ["remote", "add", "origin", remote], { cwd: repo });
  const id = await startTask(request, repo, scenarioPrompt("Write a file", { steps: [{ type: "write_file", path: "pushed.txt", content: "pushed\n" }, { type: "text", text: "Done." }] }));
  await page.goto(`/tasks/${id}`);
  await expect(page.getByText("Change ready — review it →")).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: /review/i }).click();
  const review = page.getByTestId("review");
  await review.getByRole("button", { name: "Push", exact: true }).click();
  await expect(review.getByTestId("published")).toContainText(`origin/wharf/${id}`, { timeout: 30_000 });
  expect(execFileSync("git", ["--git-dir", remote, "show", `wharf/${id}:pushed.txt`], { encoding: "utf8" })).toBe("pushed\n");
  // No forge is set up for this remote: opening a pull request says what to set, and changes nothing.
  await review.getByRole("button", { name: "Open pull request" }).click();
  await expect(review.getByRole("alert")).toContainText("The pull request could not be opened");
  await shoot(page, "review-pushed");
});

test("a person sets where a project publishes: a bad API URL is refused, the token is stored and never shown", async ({ page, request }) => {
  const repo = makeRepo();
  await startTask(request, repo, scenarioPrompt("Nothing", { steps: [{ type: "text", text: "ok" }] }));
  await page.goto("/projects");
  const row = page.getByTestId("project-row").filter({ hasText: repo });
  await row.getByRole("button", { name: "Publishing" }).click();
  const form = row.getByTestId("forge-form");
  await form.getByLabel("Forge", { exact: true }).selectOption("gitlab");
  await form.getByLabel("API URL").fill("not a url");
  await form.getByRole("button", { name: "Save publishing" }).click();
  await expect(form.getByTestId("forge-error")).toContainText("An http(s) URL");
  await form.getByLabel("API URL").fill("https://gitlab.example.com/api/v4/");
  await form.getByLabel("Repository on the forge").fill("group/app");
  await form.getByLabel("Token", { exact: true }).fill("glpat-secret-token-123");
  await form.getByRole("button", { name: "Save publishing" }).click();
  await expect(form).toHaveCount(0);
  type Listed = Array<{ repoPath: string; forgeKind: string | null; forgeApiUrl: string | null; forgeProject: string | null; hasForgeToken: boolean }>;
  const listed = (await query<Listed>(request, "project.list")).find((p) => p.repoPath === repo);
  expect(listed).toMatchObject({ forgeKind: "gitlab", forgeApiUrl: "https://gitlab.example.com/api/v4", forgeProject: "group/app", hasForgeToken: true });
  expect(JSON.stringify(listed)).not.toContain("glpat-secret-token-123");
  await row.getByRole("button", { name: "Publishing" }).click();
  await expect(row.getByTestId("forge-form").getByLabel("Token", { exact: true })).toHaveAttribute("placeholder", "set — type to replace");
  await expect(page.locator("body")).not.toContainText("glpat-secret-token-123");
  await shoot(page, "project-publishing");
});
