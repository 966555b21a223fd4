import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeForge, type FakeForge } from "@wharf/forge/testing";
import { commitAll, computeChange, createWorktree } from "@wharf/git";
import { createTempDir, createTestRepo, gitOutput, type TestRepo } from "@wharf/git/testing";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { claimTask, endTurn, followUp, inTransaction } from "../lifecycle";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";

/*
 * The review procedures on real parts: PostgreSQL, git repositories (a bare one as the remote),
 * and a forge API over HTTP that checks the token and records requests.
 */

const TOKEN = "wharf_review_test_token_0123456789abcdef";
const FORGE_TOKEN = "forge-secret-token-7f3c9a1e5b";
let db: TestDatabase;
let services: Services;
let forge: FakeForge;
const cleanup: Array<() => Promise<void>> = [];
/** Everything the procedures answered, to check that the forge token never comes back. */
const answers: unknown[] = [];

const caller = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));
async function api<T>(call: (api: ReturnType<typeof caller>) => Promise<T>): Promise<T> {
  try {
    const result = await call(caller());
    answers.push(result);
    return result;
  } catch (error) {
    answers.push(error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : error);
    throw error;
  }
}

const initialFiles = { "README.md": "# review\n", "src/a.txt": "a1\na2\na3\n", "src/b.txt": "b1\nb2\n", "src/c.txt": "c1\n" };

/** A project on a fresh repository (with a bare repository as `origin`) and the person's uncommitted edit in it. */
async function project(): Promise<{ id: string; repo: TestRepo; bare: string }> {
  const repo = await createTestRepo(initialFiles);
  const bareRoot = await createTempDir("wharf-bare-");
  const bare = path.join(bareRoot, "widget.git");
  await gitOutput(bareRoot, "init", "--quiet", "--bare", "--initial-branch=main", bare);
  await repo.git("remote", "add", "origin", bare);
  await repo.git("push", "--quiet", "origin", "main");
  cleanup.push(() => repo.remove(), () => import("node:fs/promises").then((fs) => fs.rm(bareRoot, { recursive: true, force: true })));
  const created = await api((a) => a.project.create({ path: repo.path }));
  // The person's own work in progress: never touched by anything below.
  await writeFile(path.join(repo.path, "README.md"), "# review\n\nmy notes, not committed\n");
  await writeFile(path.join(repo.path, "scratch.txt"), "untracked\n");
  return { id: created.id, repo, bare };
}

async function expectPersonsWorkIntact(repo: TestRepo) {
  expect(await readFile(path.join(repo.path, "README.md"), "utf8")).toBe("# review\n\nmy notes, not committed\n");
  expect(await readFile(path.join(repo.path, "scratch.txt"), "utf8")).toBe("untracked\n");
}

/** A task in review with a real worktree and branch, as the runner leaves it after a turn that wrote `files`. */
async function taskInReview(p: { id: string; repo: TestRepo }, files: Record<string, string>, prompt = "Change some files"): Promise<{ id: string; worktree: string; branch: string }> {
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, updated_at) values (gen_random_uuid(), $1, 'review-agent', $2, 'running', now()) returning id`,
    [p.id, prompt],
  );
  const id = rows[0]!.id;
  const worktree = await createWorktree({ repoPath: p.repo.path, baseBranch: "main", taskId: id, worktreesDir: path.join(p.repo.path, "..", "worktrees") });
  await services.pool.query(`update task set worktree_path = $2, branch = $3, base_commit = $4 where id = $1`, [id, worktree.path, worktree.branch, worktree.baseCommit]);
  await endTurnWith(id, worktree.path, worktree.branch, worktree.baseCommit, files);
  return { id, worktree: worktree.path, branch: worktree.branch };
}

/** Writes `files` in the worktree and ends a turn as the runner does (commit, change, review). */
async function endTurnWith(id: string, worktree: string, branch: string, baseCommit: string, files: Record<string, string>) {
  for (const [file, content] of Object.entries(files)) await writeFile(path.join(worktree, file), content);
  const { rows: projects } = await services.pool.query<{ repo_path: string }>(`select p.repo_path from task t join project p on p.id = t.project_id where t.id = $1`, [id]);
  const { headCommit } = await commitAll({ repoPath: projects[0]!.repo_path, worktreePath: worktree, branch, message: "turn" });
  const change = await computeChange({ worktreePath: worktree, baseCommit, headCommit });
  await inTransaction(services.pool, async (client) => {
    // A later turn: a follow-up, claimed by a runner, as the lifecycle moves it.
    const { rows } = await client.query<{ state: string }>(`select state::text as state from task where id = $1`, [id]);
    if (rows[0]!.state === "review") {
      const { turn } = await followUp(client, services.boss, { taskId: id, prompt: "next turn" });
      await claimTask(client, { taskId: id, runnerId: "review-test", turn, retry: false });
    }
    await endTurn(client, services.boss, id, { to: "review", change: { branch, baseCommit, headCommit, ...change } });
  });
  return headCommit;
}

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 6 });
  await services.pool.query(`insert into agent (id, name, transport, command, updated_at) values ('review-agent', 'Review', 'acp', 'true', now())`);
  forge = await startFakeForge({ token: FORGE_TOKEN, projects: {} });
});
afterAll(async () => {
  await forge?.close();
  await services?.close();
  await db?.drop();
  for (const clean of cleanup.reverse()) await clean();
});

describe("partial apply", () => {
  it("applies 2 of 3 files with the given message, keeps the third in review, then discards it", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "A1\na2\na3\n", "src/b.txt": "b1\nB2\n", "src/new.txt": "new\n" }, "Rework a and b\n\nmore detail");
    const before = await p.repo.git("rev-parse", "main");

    const applied = await api((a) => a.change.apply.call(null, { taskId: task.id, paths: ["src/a.txt", "src/new.txt"], message: "Take a and new\n\nreviewed" }));
    expect(applied).toMatchObject({ state: "review", remaining: ["src/b.txt"] });
    expect(await p.repo.git("rev-parse", "main^")).toBe(before);
    expect(await p.repo.git("log", "-1", "--format=%B", "main")).toBe("Take a and new\n\nreviewed");
    expect(await p.repo.git("diff", "--name-only", `${before}..main`)).toBe("src/a.txt\nsrc/new.txt");
    // The person's checkout got the applied files; the rest is as it was.
    expect(await readFile(path.join(p.repo.path, "src/a.txt"), "utf8")).toBe("A1\na2\na3\n");
    expect(await readFile(path.join(p.repo.path, "src/b.txt"), "utf8")).toBe("b1\nb2\n");
    await expectPersonsWorkIntact(p.repo);

    // The rest stays reviewable: the change lists only b, the worktree and its files stay.
    const change = await api((a) => a.change.get({ taskId: task.id }));
    expect(change.files.map((f) => f.path)).toEqual(["src/b.txt"]);
    expect(change.diff).toContain("+B2");
    expect(change.diff).not.toContain("src/a.txt");
    expect((await api((a) => a.task.get({ id: task.id }))).state).toBe("review");
    expect(await readFile(path.join(task.worktree, "src/a.txt"), "utf8")).toBe("A1\na2\na3\n");
    const history = await api((a) => a.task.history({ taskId: task.id }));
    expect(history.events.map((e) => e.event)).toContainEqual(expect.objectContaining({ type: "status", state: "review", reason: expect.stringMatching(/applied 2 files to main .*; 1 file left to review/) }));

    // A path that is not part of the change is refused and nothing changes.
    await expect(api((a) => a.change.apply.call(null, { taskId: task.id, paths: ["src/c.txt"] }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await p.repo.git("rev-parse", "main^")).toBe(before);

    await api((a) => a.change.discard({ taskId: task.id }));
    expect(existsSync(task.worktree)).toBe(false);
    expect(await p.repo.git("branch", "--list", task.branch)).toBe("");
    expect(await p.repo.git("show", "main:src/b.txt")).toBe("b1\nb2");
    expect(await p.repo.git("show", "main:src/a.txt")).toBe("A1\na2\na3");
    await expectPersonsWorkIntact(p.repo);
  });

  it("gives the commit a default message that says what the task did", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "x\n", "src/c.txt": "y\n" }, "Make a and c shorter\nwith details");
    await services.pool.query(`update task set summary = 'Shortened both files.' where id = $1`, [task.id]);
    await api((a) => a.change.apply.call(null, { taskId: task.id, paths: ["src/c.txt"] }));
    const message = await p.repo.git("log", "-1", "--format=%B", "main");
    expect(message).toContain("Make a and c shorter");
    expect(message).toContain("Shortened both files.");
    expect(message).toContain("- src/c.txt");
    expect(message).toContain(`Applied from wharf task ${task.id}.`);
  });
});

describe("rebase", () => {
  it("rebases onto a moved base without conflict and recomputes the diff", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "A1\na2\na3\n" });
    // The base moves: someone commits c on main (the person's edits stay uncommitted).
    await writeFile(path.join(p.repo.path, "src/c.txt"), "c1 moved\n");
    await p.repo.git("commit", "--quiet", "-m", "c moved", "--", "src/c.txt");
    const tip = await p.repo.git("rev-parse", "main");

    const before = await api((a) => a.change.get({ taskId: task.id }));
    expect(before.base).toMatchObject({ baseBranch: "main", commitsBehind: 1, clean: true, conflicts: [] });

    const rebased = await api((a) => a.change.rebase({ taskId: task.id }));
    expect(rebased).toMatchObject({ outcome: "rebased", baseCommit: tip, sentToAgent: false });
    const after = await api((a) => a.change.get({ taskId: task.id }));
    expect(after.baseCommit).toBe(tip);
    expect(after.base).toMatchObject({ commitsBehind: 0, clean: true });
    expect(after.files.map((f) => f.path)).toEqual(["src/a.txt"]);
    expect(await gitOutput(task.worktree, "rev-parse", "HEAD^")).toBe(tip);
    expect(await readFile(path.join(task.worktree, "src/c.txt"), "utf8")).toBe("c1 moved\n");
    expect(await readFile(path.join(task.worktree, "src/a.txt"), "utf8")).toBe("A1\na2\na3\n");
    const row = await services.pool.query<{ base_commit: string }>(`select base_commit from task where id = $1`, [task.id]);
    expect(row.rows[0]!.base_commit).toBe(tip);
    await expectPersonsWorkIntact(p.repo);

    expect(await api((a) => a.change.rebase({ taskId: task.id }))).toMatchObject({ outcome: "up_to_date" });
    // Applying after the rebase lands just the task's work.
    await api((a) => a.change.apply.call(null, { taskId: task.id }));
    expect(await p.repo.git("show", "main:src/c.txt")).toBe("c1 moved");
    expect(await p.repo.git("show", "main:src/a.txt")).toBe("A1\na2\na3");
    await expectPersonsWorkIntact(p.repo);
  });

  it("on a conflict changes nothing, lists the files, and can hand the conflict to the agent", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/b.txt": "b1\nTASK\n" });
    await writeFile(path.join(p.repo.path, "src/b.txt"), "b1\nMAIN\n");
    await p.repo.git("commit", "--quiet", "-m", "b on main", "--", "src/b.txt");
    const head = await p.repo.git("rev-parse", task.branch);
    const changeBefore = await api((a) => a.change.get({ taskId: task.id }));
    expect(changeBefore.base).toMatchObject({ commitsBehind: 1, clean: false, conflicts: ["src/b.txt"] });

    const conflict = await api((a) => a.change.rebase({ taskId: task.id }));
    expect(conflict).toMatchObject({ outcome: "conflict", files: ["src/b.txt"], sentToAgent: false });
    expect(conflict.message).toMatch(/src\/b\.txt/);
    expect(await p.repo.git("rev-parse", task.branch)).toBe(head);
    expect(await readFile(path.join(task.worktree, "src/b.txt"), "utf8")).toBe("b1\nTASK\n");
    const changeAfter = await api((a) => a.change.get({ taskId: task.id }));
    expect({ ...changeAfter, base: null, updatedAt: null }).toEqual({ ...changeBefore, base: null, updatedAt: null });
    expect((await api((a) => a.task.get({ id: task.id }))).state).toBe("review");
    await expectPersonsWorkIntact(p.repo);

    const handed = await api((a) => a.change.rebase({ taskId: task.id, handToAgent: true }));
    expect(handed).toMatchObject({ outcome: "conflict", files: ["src/b.txt"], sentToAgent: true });
    const { rows } = await services.pool.query<{ state: string; turn: number; pending_prompt: string }>(`select state::text, turn, pending_prompt from task where id = $1`, [task.id]);
    expect(rows[0]).toMatchObject({ state: "queued", turn: 1 });
    expect(rows[0]!.pending_prompt).toContain("- src/b.txt");
    expect(rows[0]!.pending_prompt).toContain(`git merge ${await p.repo.git("rev-parse", "main")}`);
    expect(await p.repo.git("rev-parse", task.branch)).toBe(head);
    await expectPersonsWorkIntact(p.repo);
  });
});

/** An HTTP git remote that refuses every credential (401), as a forge does for a bad token. */
async function refusingRemote(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="forge"', "Content-Type": "text/plain" });
    res.end("Unauthorized\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/widget.git`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("push and pull requests", () => {
  it("pushes the task branch into the bare remote", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "pushed\n" });
    const pushed = await api((a) => a.change.push({ taskId: task.id }));
    const head = await p.repo.git("rev-parse", task.branch);
    expect(pushed).toMatchObject({ remote: "origin", branch: task.branch, commit: head, updated: true });
    expect(await gitOutput(p.bare, "rev-parse", `refs/heads/${task.branch}`)).toBe(head);
    expect((await api((a) => a.task.get({ id: task.id }))).pushedBranch).toBe(task.branch);

    // After a rebase the branch Wharf pushed is replaced, not refused.
    await writeFile(path.join(p.repo.path, "src/c.txt"), "c moved\n");
    await p.repo.git("commit", "--quiet", "-m", "c", "--", "src/c.txt");
    await api((a) => a.change.rebase({ taskId: task.id }));
    const again = await api((a) => a.change.push({ taskId: task.id, branch: task.branch }));
    expect(again.commit).toBe(await p.repo.git("rev-parse", task.branch));
    expect(await gitOutput(p.bare, "rev-parse", `refs/heads/${task.branch}`)).toBe(again.commit);

    // Someone else pushes to that branch: the next push is refused and their commit stays.
    const other = await createTempDir("wharf-other-clone-");
    cleanup.push(() => import("node:fs/promises").then((fs) => fs.rm(other, { recursive: true, force: true })));
    await gitOutput(other, "clone", "--quiet", "--branch", task.branch, p.bare, "clone");
    const clone = path.join(other, "clone");
    await writeFile(path.join(clone, "theirs.txt"), "theirs\n");
    await gitOutput(clone, "add", "theirs.txt");
    await gitOutput(clone, "commit", "--quiet", "-m", "theirs");
    await gitOutput(clone, "push", "--quiet", "origin", task.branch);
    const theirs = await gitOutput(clone, "rev-parse", "HEAD");
    await writeFile(path.join(p.repo.path, "src/c.txt"), "c moved again\n");
    await p.repo.git("commit", "--quiet", "-m", "c again", "--", "src/c.txt");
    await api((a) => a.change.rebase({ taskId: task.id }));
    const refused = await api((a) => a.change.push({ taskId: task.id })).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("rejected the push") });
    expect(await gitOutput(p.bare, "rev-parse", `refs/heads/${task.branch}`)).toBe(theirs);
    await expectPersonsWorkIntact(p.repo);
  });

  it("a missing remote and refused credentials each give their own clear error and change nothing", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "x\n" });
    const taskBefore = await api((a) => a.task.get({ id: task.id }));

    await api((a) => a.project.update({ id: p.id, remote: "upstream" }));
    const missing = await api((a) => a.change.push({ taskId: task.id })).catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/no remote named "upstream".*It has: origin\..*git remote add upstream/s) });

    const refusing = await refusingRemote();
    cleanup.push(refusing.close);
    await p.repo.git("remote", "add", "upstream", refusing.url);
    const denied = await api((a) => a.change.push({ taskId: task.id })).catch((error: unknown) => error);
    expect(denied).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/did not accept the credentials.*credential helper/s) });
    expect((denied as Error).message).not.toMatch(/\n\s+at /); // no stack

    // And the forge refusing the token: the branch may reach the remote, but nothing is recorded.
    await api((a) => a.project.update({ id: p.id, remote: null, forgeKind: "github", forgeApiUrl: forge.githubApiBase, forgeProject: "acme/widget", forgeToken: "wrong-token" }));
    const forgeDenied = await api((a) => a.change.openPullRequest({ taskId: task.id })).catch((error: unknown) => error);
    expect(forgeDenied).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringMatching(/token/i) });
    expect((forgeDenied as Error).message).not.toContain("wrong-token");

    const taskAfter = await api((a) => a.task.get({ id: task.id }));
    expect({ ...taskAfter, updatedAt: null, lastSeq: null }).toEqual({ ...taskBefore, updatedAt: null, lastSeq: null });
    expect(taskAfter.pushedBranch).toBeNull();
    expect(taskAfter.prUrl).toBeNull();
    await expectPersonsWorkIntact(p.repo);
  });

  it("opens a GitHub pull request with head, base, title and body, and stores it on the task", async () => {
    const p = await project();
    const forgeOf = await startFakeForge({ token: FORGE_TOKEN, projects: { "acme/widget": { repository: p.bare } } });
    cleanup.push(forgeOf.close);
    const task = await taskInReview(p, { "src/a.txt": "gh\n" }, "Teach a about GitHub");
    const settings = await api((a) => a.project.update({ id: p.id, forgeKind: "github", forgeApiUrl: forgeOf.githubApiBase, forgeProject: "acme/widget", forgeToken: FORGE_TOKEN }));
    expect(settings).toMatchObject({ forgeKind: "github", hasForgeToken: true });

    const pr = await api((a) => a.change.openPullRequest({ taskId: task.id, draft: true }));
    expect(pr).toMatchObject({ number: 1, created: true, branch: task.branch, url: "https://github.example/acme/widget/pull/1" });
    const request = forgeOf.requests.find((r) => r.method === "POST")!;
    expect(request.path).toBe("/github/repos/acme/widget/pulls");
    expect(request.headers.authorization).toBe(`Bearer ${FORGE_TOKEN}`);
    expect(request.body).toMatchObject({ head: task.branch, base: "main", title: "Teach a about GitHub", draft: true });
    expect((request.body as { body: string }).body).toContain("> Teach a about GitHub");
    expect((request.body as { body: string }).body).toContain("src/a.txt");
    expect(await gitOutput(p.bare, "rev-parse", `refs/heads/${task.branch}`)).toBe(await p.repo.git("rev-parse", task.branch));
    const stored = await api((a) => a.task.get({ id: task.id }));
    expect(stored).toMatchObject({ prUrl: pr.url, prNumber: 1, pushedBranch: task.branch });
    const cards = await api((a) => a.board.live({}));
    expect(cards.items.find((card) => card.id === task.id)).toMatchObject({ prNumber: 1 });
  });

  it("opens a GitLab merge request with source, target, title and description", async () => {
    const p = await project();
    const forgeOf = await startFakeForge({ token: FORGE_TOKEN, projects: { "group/sub/widget": { repository: p.bare } } });
    cleanup.push(forgeOf.close);
    const task = await taskInReview(p, { "src/b.txt": "gl\n" }, "Teach b about GitLab");
    await api((a) => a.project.update({ id: p.id, forgeKind: "gitlab", forgeApiUrl: forgeOf.gitlabApiBase, forgeProject: "group/sub/widget", forgeToken: FORGE_TOKEN }));

    const mr = await api((a) => a.change.openPullRequest({ taskId: task.id, title: "MR title", body: "MR body", branch: "review/gitlab" }));
    expect(mr).toMatchObject({ number: 1, created: true, branch: "review/gitlab", url: "https://gitlab.example/group/sub/widget/-/merge_requests/1" });
    const request = forgeOf.requests.find((r) => r.method === "POST")!;
    expect(request.path).toBe("/gitlab/api/v4/projects/group%2Fsub%2Fwidget/merge_requests");
    expect(request.headers["private-token"]).toBe(FORGE_TOKEN);
    expect(request.body).toMatchObject({ source_branch: "review/gitlab", target_branch: "main", title: "MR title", description: "MR body" });
    expect(await gitOutput(p.bare, "rev-parse", "refs/heads/review/gitlab")).toBe(await p.repo.git("rev-parse", task.branch));
    expect(await api((a) => a.task.get({ id: task.id }))).toMatchObject({ prUrl: mr.url, prNumber: 1 });
  });
});

describe("comments and viewed files", () => {
  it("adds, lists, edits and deletes comments, each change a review event; a later turn makes them outdated and resets viewed marks", async () => {
    const p = await project();
    const task = await taskInReview(p, { "src/a.txt": "A1\na2\na3\n", "src/b.txt": "b1\nB2\n" });
    const first = await api((a) => a.comment.add({ taskId: task.id, path: "src/a.txt", startLine: 1, body: "Why upper case?" }));
    expect(first).toMatchObject({ path: "src/a.txt", startLine: 1, endLine: 1, side: "new", anchor: ["A1"], state: "open", outdated: false });
    const second = await api((a) => a.comment.add({ taskId: task.id, path: "src/b.txt", startLine: 1, endLine: 2, body: "Fine" }));
    expect(second.anchor).toEqual(["b1", "B2"]);
    const old = await api((a) => a.comment.add({ taskId: task.id, path: "src/b.txt", startLine: 2, side: "old", body: "Keep b2?" }));
    expect(old.anchor).toEqual(["b2"]);

    await expect(api((a) => a.comment.add({ taskId: task.id, path: "src/c.txt", startLine: 1, body: "x" }))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api((a) => a.comment.add({ taskId: task.id, path: "src/a.txt", startLine: 3, endLine: 9, body: "x" }))).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("3 lines") });
    await expect(api((a) => a.comment.add({ taskId: task.id, path: "src/a.txt", startLine: 2, endLine: 1, body: "x" }))).rejects.toMatchObject({ code: "BAD_REQUEST" });

    expect((await api((a) => a.comment.update({ id: second.id, body: "Fine, but b2?" }))).body).toBe("Fine, but b2?");
    await api((a) => a.comment.delete({ id: old.id }));
    await expect(api((a) => a.comment.delete({ id: old.id }))).rejects.toMatchObject({ code: "NOT_FOUND" });
    const listed = await api((a) => a.comment.list({ taskId: task.id }));
    expect(listed.map((c) => [c.path, c.body])).toEqual([["src/a.txt", "Why upper case?"], ["src/b.txt", "Fine, but b2?"]]);
    const history = await api((a) => a.task.history({ taskId: task.id }));
    expect(history.events.filter((e) => e.event.type === "review")).toHaveLength(5);

    await api((a) => a.review.setViewed({ taskId: task.id, path: "src/a.txt", viewed: true }));
    await api((a) => a.review.setViewed({ taskId: task.id, path: "src/b.txt", viewed: true }));
    expect(await api((a) => a.review.viewed({ taskId: task.id }))).toMatchObject({ viewed: 2, total: 2 });

    // A later turn changes a's first line and moves b's lines down by one.
    const { rows } = await services.pool.query<{ base_commit: string }>(`select base_commit from task where id = $1`, [task.id]);
    await endTurnWith(task.id, task.worktree, task.branch, rows[0]!.base_commit, { "src/a.txt": "AA1\na2\na3\n" });
    const viewed = await api((a) => a.review.viewed({ taskId: task.id }));
    expect(viewed.files).toEqual([{ path: "src/a.txt", viewed: false }, { path: "src/b.txt", viewed: true }]);
    const placed = await api((a) => a.comment.list({ taskId: task.id }));
    expect(placed.find((c) => c.path === "src/a.txt")).toMatchObject({ outdated: true, current: null });
    expect(placed.find((c) => c.path === "src/b.txt")).toMatchObject({ outdated: false, current: { startLine: 1, endLine: 2 } });
    await api((a) => a.review.setViewed({ taskId: task.id, path: "src/b.txt", viewed: false }));
    expect((await api((a) => a.review.viewed({ taskId: task.id }))).viewed).toBe(0);
  });
});

describe("the forge token", () => {
  it("never appears in any procedure's output", async () => {
    const projects = await api((a) => a.project.list());
    expect(projects.some((p) => p.hasForgeToken)).toBe(true);
    for (const p of projects) await api((a) => a.project.get({ id: p.id }));
    const text = JSON.stringify(answers);
    expect(answers.length).toBeGreaterThan(40);
    expect(text).not.toContain(FORGE_TOKEN);
    expect(text).not.toContain("wrong-token");
    expect(text).not.toContain("forgeToken");
  });
});
