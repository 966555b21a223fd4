import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@wharf/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardChange } from "../live";
import { appRouter } from "../root";
import { createServices, type Services } from "../services";
import { createCallerFactory, createTRPCContext } from "../trpc";

const TOKEN = "wharf_board_test_token_0123456789abcdefgh";
let db: TestDatabase;
let services: Services;
let projectId: string;
let otherProjectId: string;
const api = () => createCallerFactory(appRouter)(createTRPCContext({ services, headers: new Headers({ authorization: `Bearer ${TOKEN}` }), accessToken: TOKEN }));

const DONE = ["applied", "completed", "discarded"] as const;

/** Inserts one task directly; returns its id. */
async function insertTask(opts: { state: string; prompt: string; branch?: string; project?: string; updatedAgoMs?: number }): Promise<string> {
  const { rows } = await services.pool.query<{ id: string }>(
    `insert into task (id, project_id, agent_id, prompt, state, branch, updated_at, finished_at)
     values (gen_random_uuid(), $1, 'board-agent', $2, $3::"TaskState", $4, now() - make_interval(secs => $5 / 1000.0),
             case when $3 in ('applied', 'completed', 'discarded', 'failed', 'cancelled') then now() - make_interval(secs => $5 / 1000.0) end)
     returning id`,
    [opts.project ?? projectId, opts.prompt, opts.state, opts.branch ?? null, opts.updatedAgoMs ?? 0],
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  services = await createServices({ databaseUrl: db.url, poolSize: 4 });
  await services.pool.query(`insert into agent (id, name, transport, command, updated_at) values ('board-agent', 'Board agent', 'acp', 'true', now())`);
  [projectId, otherProjectId] = [randomUUID(), randomUUID()];
  for (const [id, name] of [[projectId, "board"], [otherProjectId, "other"]] as const) {
    await services.pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values ($1, $2, $3, 'main', now())`, [id, name, `/tmp/${id}`]);
  }
});
afterAll(async () => {
  await services?.close();
  await db?.drop();
});

describe("board.live and board.finished", () => {
  it("lists live tasks whole and pages finished ones newest first without repeating one", async () => {
    const live = await Promise.all(["queued", "running", "needs_input", "review"].map((state) => insertTask({ state, prompt: `Live ${state}` })));
    // 45 done tasks, one second apart, and a failed one: pages of 20.
    const done: string[] = [];
    for (let i = 0; i < 45; i++) done.push(await insertTask({ state: DONE[i % 3]!, prompt: `Done number ${i}`, updatedAgoMs: (i + 10) * 1000 }));
    await insertTask({ state: "failed", prompt: "Failed one" });

    const board = await api().board.live({ projectId });
    expect(board.items.map((t) => t.id).sort()).toEqual([...live].sort());
    expect(board.truncated).toBe(false);
    expect(board.items[0]).toMatchObject({ projectName: "board", agentName: "Board agent" });

    const seen: string[] = [];
    let cursor: { updatedAt: Date; id: string } | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = await api().board.finished({ projectId, states: [...DONE], limit: 20, cursor });
      expect(page.total).toBe(45);
      seen.push(...page.items.map((t) => t.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(done); // newest (smallest "ago") first, all 45, in order
    const failed = await api().board.finished({ projectId, states: ["failed", "cancelled"] });
    expect(failed.items.map((t) => t.prompt)).toEqual(["Failed one"]);
    expect(failed.nextCursor).toBeNull();
  });

  it("cuts long prompts to what a card shows", async () => {
    const id = await insertTask({ state: "completed", prompt: `Long ${"x".repeat(5000)}`, project: otherProjectId });
    const page = await api().board.finished({ projectId: otherProjectId, states: ["completed"] });
    expect(page.items.find((t) => t.id === id)?.prompt.length).toBe(400);
  });

  it("finds tasks by prompt text, id prefix and branch, case-insensitively, with LIKE characters taken literally", async () => {
    const byPrompt = await insertTask({ state: "completed", prompt: "Refactor the Zebra_parser module" });
    const byBranch = await insertTask({ state: "review", prompt: "Something else", branch: "wharf/feature-okapi" });
    const byId = await insertTask({ state: "failed", prompt: "Nothing to see" });

    const done = await api().board.finished({ states: [...DONE], search: "zebra_PARSER" });
    expect(done.items.map((t) => t.id)).toEqual([byPrompt]);
    expect(done.total).toBe(1);
    // `_` and `%` are literal, not wildcards.
    expect((await api().board.finished({ states: [...DONE], search: "zebra%parser" })).total).toBe(0);
    expect((await api().board.finished({ states: [...DONE], search: "Zebra parser" })).total).toBe(0);

    const live = await api().board.live({ search: "OKAPI" });
    expect(live.items.map((t) => t.id)).toEqual([byBranch]);

    const failed = await api().board.finished({ states: ["failed"], search: byId.slice(0, 8).toUpperCase() });
    expect(failed.items.map((t) => t.id)).toEqual([byId]);
    // An id matches from its start only.
    expect((await api().board.finished({ states: ["failed"], search: byId.slice(4, 12) })).total).toBe(0);
  });

  it("refuses invalid input with a message that says what to send", async () => {
    await expect(api().board.finished({ states: ["running" as "failed"] })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("Finished columns hold the states") });
    await expect(api().board.finished({ states: [] })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at least one") });
    await expect(api().board.finished({ states: ["failed"], limit: 1000 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api().board.live({ search: "x".repeat(201) })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at most 200") });
    await expect(api().board.live({ projectId: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("UUIDs") });
    await expect(api().task.archive({ id: "nope" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api().task.archiveFinished({ before: "yesterday" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("ISO 8601") });
    await expect(api().task.archiveFinished({ before: new Date(Date.now() + 86_400_000) })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("future") });
  });
});

describe("archive", () => {
  it("moves a finished task to the archived view and back, and out of search meanwhile", async () => {
    const id = await insertTask({ state: "applied", prompt: "Archive me, the quokka task", project: otherProjectId });
    const archived = await api().task.archive({ id });
    expect(archived).toMatchObject({ id, state: "applied", archivedAt: expect.any(Date) });
    // Archiving twice keeps the first time.
    expect((await api().task.archive({ id })).archivedAt).toEqual(archived.archivedAt);
    expect((await api().board.finished({ states: [...DONE], search: "quokka" })).total).toBe(0);
    const view = await api().board.finished({ states: [...DONE], search: "quokka", archived: true });
    expect(view.items.map((t) => t.id)).toEqual([id]);
    expect((await api().task.get({ id })).archivedAt).toEqual(archived.archivedAt);

    expect(await api().task.unarchive({ id })).toMatchObject({ id, archivedAt: null });
    expect((await api().board.finished({ states: [...DONE], search: "quokka" })).items.map((t) => t.id)).toEqual([id]);
  });

  it("refuses to archive a task that is not finished with CONFLICT, and an unknown one with NOT_FOUND", async () => {
    for (const state of ["queued", "running", "needs_input", "review"]) {
      const id = await insertTask({ state, prompt: `Busy ${state}` });
      await expect(api().task.archive({ id }), state).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`is ${state}; only finished tasks`) });
      const { rows } = await services.pool.query(`select archived_at from task where id = $1`, [id]);
      expect(rows[0].archived_at).toBeNull();
    }
    await expect(api().task.archive({ id: randomUUID() })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("archives every finished task older than a date, of one project or all, and nothing live", async () => {
    const project = randomUUID();
    await services.pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values ($1, 'old', $2, 'main', now())`, [project, `/tmp/${project}`]);
    const day = 86_400_000;
    const old = await Promise.all(["applied", "failed", "cancelled"].map((state) => insertTask({ state, prompt: `Old ${state}`, project, updatedAgoMs: 10 * day })));
    const recent = await insertTask({ state: "completed", prompt: "Recent", project, updatedAgoMs: day });
    const running = await insertTask({ state: "running", prompt: "Old but running", project, updatedAgoMs: 10 * day });

    const result = await api().task.archiveFinished({ before: new Date(Date.now() - 7 * day), projectId: project });
    expect(result).toEqual({ archived: 3 });
    const { rows } = await services.pool.query<{ id: string; archived: boolean }>(`select id, archived_at is not null as archived from task where project_id = $1`, [project]);
    const archived = new Map(rows.map((r) => [r.id, r.archived]));
    for (const id of old) expect(archived.get(id)).toBe(true);
    expect(archived.get(recent)).toBe(false);
    expect(archived.get(running)).toBe(false);
    // Nothing left to archive: a second call archives none.
    expect(await api().task.archiveFinished({ before: new Date(Date.now() - 7 * day), projectId: project })).toEqual({ archived: 0 });
  });

  it("tells boards when tasks are archived or unarchived: one notice per task, one per project for many", async () => {
    await services.live.ready();
    const seen: BoardChange[] = [];
    const unwatch = services.live.watchBoard((changes) => seen.push(...changes));
    try {
      const project = randomUUID();
      await services.pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values ($1, 'notified', $2, 'main', now())`, [project, `/tmp/${project}`]);
      const one = await insertTask({ state: "discarded", prompt: "Archive and tell", project });
      await api().task.archive({ id: one });
      await expect.poll(() => seen.filter((c) => c.taskId === one).length).toBe(1);
      // A second archive changes nothing and tells nobody; unarchive tells again.
      await api().task.archive({ id: one });
      await api().task.unarchive({ id: one });
      await expect.poll(() => seen.filter((c) => c.taskId === one).length).toBe(2);
      expect(seen.find((c) => c.taskId === one)).toMatchObject({ projectId: project });

      const day = 86_400_000;
      for (let i = 0; i < 5; i++) await insertTask({ state: "applied", prompt: `Many ${i}`, project, updatedAgoMs: 10 * day });
      seen.length = 0;
      expect(await api().task.archiveFinished({ before: new Date(Date.now() - 7 * day), projectId: project })).toEqual({ archived: 5 });
      await expect.poll(() => seen.filter((c) => c.projectId === project).length).toBe(1);
    } finally {
      unwatch();
    }
  });

  it("leaves archived tasks out of task.list; task.get still reads them", async () => {
    const project = randomUUID();
    await services.pool.query(`insert into project (id, name, repo_path, base_branch, updated_at) values ($1, 'listed', $2, 'main', now())`, [project, `/tmp/${project}`]);
    const kept = await insertTask({ state: "applied", prompt: "Stays listed", project });
    const archived = await insertTask({ state: "applied", prompt: "Leaves the list", project });
    await api().task.archive({ id: archived });
    expect((await api().task.list({ projectId: project })).items.map((t) => t.id)).toEqual([kept]);
    expect((await api().task.get({ id: archived })).id).toBe(archived);
  });
});
