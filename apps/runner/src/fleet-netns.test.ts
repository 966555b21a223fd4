import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binWith, runPeriods, type RunPeriod } from "./testing/fleet-fixture";
import { git, makeRepo } from "./testing/git-fixture";
import { scenario } from "./testing/hanging-agent";
import { createNetHosts, cutNetwork, killAllIn, namespacesUnavailable, serveRepos, spawnInHost, startNetDatabase, type NetDatabase, type NetHost } from "./testing/netns";
import { runnerDatabaseUrl } from "./db-session";
import { runnerCommand, runnerDir, watchRunner, type RunnerProcess } from "./testing/runner-process";
import { startStack, type Stack } from "./testing/stack";

/*
 * A fleet across hosts, on one machine: PostgreSQL and the API here; each runner in a network
 * namespace of its own (a veth to this one, the database reached at its veth address) and a mount
 * namespace in which the folder holding the projects' checkouts is an empty tmpfs, so each works
 * from the project's URL (a bare repository `git daemon` serves) in its own clone, and its changes
 * come back as bundles. Cutting a namespace's veth and killing its processes is a host dying.
 */

const unavailable = namespacesUnavailable();
if (unavailable) console.warn(`[fleet-netns] skipped: ${unavailable}`);

const scratch = mkdtempSync(path.join(os.tmpdir(), "wharf-fleet-ns-"));
/** The projects' checkouts on this host: hidden from every runner. */
const projectsDir = path.join(scratch, "projects");
/** Bare repositories served over the network. */
const servedDir = path.join(scratch, "served");

let net: ReturnType<typeof createNetHosts>;
let db: NetDatabase;
let stack: Stack;
let served: Awaited<ReturnType<typeof serveRepos>>;
let hostA: NetHost;
let hostB: NetHost;
let hostC: NetHost;
let hostD: NetHost;
const runners = new Map<string, RunnerProcess>();
/** The projects' checkouts here, hidden from the runners. */
const projects: Record<"spread" | "kill" | "cap" | "late", string> = { spread: "", kill: "", cap: "", late: "" };

function startRunnerIn(host: NetHost, id: string, agents: string[]): RunnerProcess {
  const home = path.join(scratch, `home-${id}`);
  mkdirSync(home, { recursive: true });
  const child = spawnInHost(host, runnerCommand, {
    cwd: runnerDir,
    hide: [projectsDir],
    env: {
      ...stack.runnerEnv,
      DATABASE_URL: db.urlFor(host),
      WHARF_HOME: home,
      WHARF_RUNNER_ID: id,
      PATH: `${binWith(scratch, ...agents)}${path.delimiter}${process.env.PATH ?? ""}`,
      // The agents are shell scripts in a temp folder: no sandbox to bind them into.
      WHARF_SANDBOX: "off",
      WHARF_AGENT_PROBE_MS: "0",
      WHARF_RUNNER_HEARTBEAT_MS: "1000",
      WHARF_RUNNER_CONCURRENCY: "4",
    },
  });
  const runner = watchRunner(child);
  runners.set(id, runner);
  return runner;
}

/** A checkout of a new repository in the hidden folder, and its bare copy served to the runners. */
function makeProject(name: string): string {
  const source = makeRepo();
  const checkout = path.join(projectsDir, name);
  git(scratch, "clone", "-q", source, checkout);
  git(scratch, "clone", "-q", "--bare", source, path.join(servedDir, `${name}.git`));
  rmSync(source, { recursive: true, force: true });
  return checkout;
}

/** The project: its checkout here (hidden from the runners) and the URL they clone from (on B's veth, which stays up). */
async function createProject(name: keyof typeof projects) {
  return stack.api.project.create({ path: projects[name], url: served.urlFor(hostB, `${name}.git`) });
}

async function addAgent(id: string, maxRunning?: number) {
  await stack.api.agent.upsert({ id, name: `Agent ${id}`, transport: "acp", command: `${id}-agent`, ...(maxRunning ? { maxRunning } : {}) });
}

beforeAll(async () => {
  if (unavailable) return;
  net = createNetHosts(4);
  [hostA, hostB, hostC, hostD] = net.hosts as [NetHost, NetHost, NetHost, NetHost];
  db = await startNetDatabase(net.hosts);
  stack = await startStack({ inProcessRunner: false, database: { url: db.url, drop: async () => undefined } });
  mkdirSync(projectsDir, { recursive: true });
  for (const name of Object.keys(projects) as Array<keyof typeof projects>) projects[name] = makeProject(name);
  served = await serveRepos(servedDir, net.hosts, 20_000 + (process.pid % 20_000));
  await addAgent("alpha");
  await addAgent("capped", 1);
  await addAgent("gamma");
  await Promise.all([startRunnerIn(hostA, "ns-runner-a", ["alpha", "capped"]).ready, startRunnerIn(hostB, "ns-runner-b", ["alpha", "capped"]).ready]);
}, 120_000);

afterAll(async () => {
  if (unavailable) return;
  for (const runner of runners.values()) {
    if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill("SIGTERM");
    await runner.exited;
  }
  await served?.stop();
  await stack?.stop();
  net?.close();
  await db?.stop();

  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

/** An agent turn that writes one file (a change to review) after `ms`. */
const writes = (file: string, ms = 0) =>
  scenario({ steps: [{ type: "text", text: "working" }, { type: "sleep", ms }, { type: "write_file_direct", path: file, content: `${file}\n` }, { type: "text", text: "done" }] });

async function periodsOf(taskIds: string[]): Promise<RunPeriod[]> {
  return (await Promise.all(taskIds.map((id) => runPeriods(stack.services.pool, id)))).flat();
}

describe.skipIf(unavailable !== null)("a fleet across network namespaces", () => {
  it("runs in its own namespaces: the database through the veth, the projects' folder empty, the served repository reachable", async () => {
    const list = await stack.api.runner.list();
    expect(list.filter((r) => r.live).map((r) => r.id).sort()).toEqual(["ns-runner-a", "ns-runner-b"]);
    // What the namespace sees: no route to loopback's PostgreSQL, an empty projects folder but for the bound checkouts, the repository over git://.
    const probe = spawnInHost(hostA, ["sh", "-c", `ls -A ${projectsDir} | wc -l; git ls-remote ${served.urlFor(hostA, "spread.git")} refs/heads/main`], { cwd: "/", hide: [projectsDir], env: { PATH: process.env.PATH } });
    let out = "";
    probe.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => probe.once("exit", resolve));
    expect(code).toBe(0);
    const [entries, remote] = out.trim().split("\n");
    expect(entries).toBe("0");
    expect(remote).toMatch(/^[0-9a-f]{40}\trefs\/heads\/main$/);
  });

  it("spreads 16 tasks over both runners; all reach review and each change applies on this host's checkout", { timeout: 180_000 }, async () => {
    const project = await createProject("spread");
    const tasks = await Promise.all(
      Array.from({ length: 16 }, (_, i) => stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes(`notes/${i}.txt`, 200) })),
    );
    for (const task of tasks) await stack.waitForState(task.id, ["review"], 120_000);
    const periods = await periodsOf(tasks.map((t) => t.id));
    expect(new Set(periods.map((p) => p.runner))).toEqual(new Set(["ns-runner-a", "ns-runner-b"]));
    const byTask = await Promise.all(tasks.map((t) => stack.api.task.get({ id: t.id })));
    expect(new Set(byTask.map((t) => t.runnerId))).toEqual(new Set(["ns-runner-a", "ns-runner-b"]));

    // Each worked in its runner's own clone of the URL: the checkout's path does not exist there.
    const { rows } = await stack.services.pool.query<{ work_repo: string | null; runner_id: string }>(`select work_repo, runner_id from task where id = any($1::uuid[])`, [tasks.map((t) => t.id)]);
    for (const row of rows) expect(row.work_repo).toBe(path.join(scratch, `home-${row.runner_id}`, "repos", project.id));
    for (const task of tasks) await stack.api.change.apply.call(null, { taskId: task.id });
    for (let i = 0; i < 16; i++) expect(readFileSync(path.join(projects.spread, `notes/${i}.txt`), "utf8")).toBe(`notes/${i}.txt\n`);
    expect(Number(git(projects.spread, "rev-list", "--count", "main"))).toBe(17);
  });

  it("holds a fleet-wide cap of 1 over both namespaces under 10 simultaneous tasks", { timeout: 180_000 }, async () => {
    const project = await createProject("cap");
    const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.api.task.create({ projectId: project.id, agentId: "capped", prompt: writes(`cap/${i}.txt`, 300) })));
    for (const task of tasks) await stack.waitForState(task.id, ["review"], 150_000);
    const runs = await periodsOf(tasks.map((t) => t.id));
    expect(runs).toHaveLength(10);
    runs.sort((x, y) => x.start - y.start);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start, `run ${i} started before run ${i - 1} ended`).toBeGreaterThanOrEqual(runs[i - 1]!.end!);
    expect(new Set(runs.map((r) => r.runner))).toEqual(new Set(["ns-runner-a", "ns-runner-b"]));
  });

  it("keeps a task whose agent no runner has queued with its reason, and starts it once a runner with it joins", { timeout: 90_000 }, async () => {
    const project = await createProject("late");
    const task = await stack.api.task.create({ projectId: project.id, agentId: "gamma", prompt: writes("late.txt") });
    const queued = await stack.waitForEvent(task.id, (e) => e.type === "status" && e.state === "queued", "the queued status");
    expect(queued.event).toMatchObject({ reason: "no runner has Agent gamma installed" });
    expect((await stack.api.task.get({ id: task.id })).state).toBe("queued");

    const joined = Date.now();
    await startRunnerIn(hostC, "ns-runner-c", ["gamma"]).ready;
    const done = await stack.waitForState(task.id, ["review"], 60_000);
    expect(done.runnerId).toBe("ns-runner-c");
    console.info(`[fleet-netns] queued task started ${Date.now() - joined} ms after its runner was spawned`);
  });

  it("frees the locks of a host cut off inside a transaction and of its idle sessions, by the runner's session settings", { timeout: 90_000 }, async () => {
    // A runner's connections as runner.ts opens them: one inside a transaction holding a lock (as
    // a claim holds the task's row), and a cap's slot held by withFleetSlots, idle for the turn.
    const script = `
      import pg from "pg";
      import { withFleetSlots } from "./src/fleet-slots.ts";
      const tx = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await tx.connect();
      await tx.query("begin");
      await tx.query("select pg_advisory_xact_lock(770001)");
      const log = { info() {}, warn() {}, error() {} };
      await withFleetSlots(process.env.DATABASE_URL, [{ key: "wharf-test-cap", cap: 1 }], log, () => {
        console.log("locked");
        return new Promise(() => {});
      });`;
    const child = spawnInHost(hostD, [process.execPath, "--import", "tsx", "--input-type=module", "-e", script], {
      cwd: runnerDir,
      env: { PATH: process.env.PATH, DATABASE_URL: runnerDatabaseUrl(db.urlFor(hostD)) },
    });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (c: Buffer) => (out += c.toString()).includes("locked") && resolve());
      child.stderr?.on("data", (c: Buffer) => (out += c.toString()));
      child.once("exit", (code) => reject(new Error(`the locking process exited (${code}): ${out}`)));
    });
    cutNetwork(hostD);
    killAllIn(hostD.name);
    const cut = Date.now();
    const waited = async (lock: string) => {
      const client = await stack.services.pool.connect();
      try {
        await client.query("set lock_timeout = '60s'");
        await client.query(`select pg_advisory_lock(${lock})`);
        await client.query(`select pg_advisory_unlock(${lock})`);
        return Date.now() - cut;
      } finally {
        client.release();
      }
    };
    const settled = await Promise.allSettled([waited("770001"), waited("hashtext('wharf-test-cap'), 0")]);
    if (settled.some((r) => r.status === "rejected")) {
      const { rows } = await stack.services.pool.query(`select pid, state, now() - state_change as idle_for, query from pg_stat_activity where client_addr = $1`, [hostD.address]);
      console.error("[fleet-netns] sessions of the cut-off host still open:", JSON.stringify(rows), JSON.stringify(settled.map((r) => r.status)));
    }
    const [inTransaction, idleSession] = settled.map((r) => (r.status === "fulfilled" ? r.value : Infinity)) as [number, number];
    console.info(`[fleet-netns] a cut-off host's locks freed after ${inTransaction} ms (in a transaction) and ${idleSession} ms (a cap's slot)`);
    expect(inTransaction).toBeLessThan(45_000);
    expect(idleSession).toBeLessThan(45_000);
  });

  it("loses a killed host's tasks to the other runner within the heartbeat bound, never running one twice at once, keeping every stored event", { timeout: 180_000 }, async () => {
    const project = await createProject("kill");
    // Long enough to be mid-turn when the host dies; short enough for the retry to finish.
    const tasks = await Promise.all(Array.from({ length: 6 }, (_, i) => stack.api.task.create({ projectId: project.id, agentId: "alpha", prompt: writes(`kill/${i}.txt`, 4_000) })));
    const onA = async () => {
      const got = await Promise.all(tasks.map((t) => stack.api.task.get({ id: t.id })));
      const running = got.filter((t) => t.state === "running" && t.runnerId === "ns-runner-a");
      return running.length > 0 && got.some((t) => t.runnerId === "ns-runner-b") ? running : undefined;
    };
    const victims = await stack.waitUntil(onA, "tasks running on both runners", 60_000);
    // Everything stored so far, to compare after.
    const before = new Map(await Promise.all(tasks.map(async (t) => [t.id, await stack.events(t.id)] as const)));

    // The network goes first, so not even a FIN reaches the database: it must notice by itself.
    cutNetwork(hostA);
    const killed = killAllIn(hostA.name);
    const { rows } = await stack.services.pool.query<{ now: Date }>("select now()");
    const killedAt = rows[0]!.now.getTime();
    expect(killed.length).toBeGreaterThan(0);
    await runners.get("ns-runner-a")!.exited;

    try {
      for (const task of tasks) await stack.waitForState(task.id, ["review", "failed"], 90_000);
    } catch (error) {
      for (const task of tasks) {
        const t = await stack.api.task.get({ id: task.id });
        const job = await stack.services.pool.query(`select j.name, j.state::text, j.retry_count, j.started_on, j.heartbeat_on from pgboss.job j join task on task.job_id::uuid = j.id where task.id = $1`, [t.id]);
        console.error("[fleet-netns] task", t.id, t.state, t.runnerId, JSON.stringify(job.rows), JSON.stringify((await stack.events(task.id)).map((e) => e.event.type === "status" ? `${e.event.state}:${e.event.reason}` : e.event.type)));
      }
      console.error("[fleet-netns] runner B said:", runners.get("ns-runner-b")!.output().slice(-6000));
      throw error;
    }
    for (const victim of victims) {
      const periods = await runPeriods(stack.services.pool, victim.id);
      const retry = periods.find((p) => p.runner !== "ns-runner-a" && p.start >= killedAt);
      const final = await stack.api.task.get({ id: victim.id });
      if (final.state === "failed") {
        expect(final.error, "a failed task says why").toBeTruthy();
      } else {
        expect(retry, `task ${victim.id} was taken over`).toBeDefined();
        // Within the bound: pg-boss's heartbeat (10 s) plus its supervision interval (5 s); or, when
        // the host died inside a transaction holding the task's row, the server ending that idle
        // transaction (20 s after its last statement); with margin for a loaded machine.
        expect(retry!.start - killedAt).toBeLessThan(45_000);
        console.info(`[fleet-netns] task taken over ${retry!.start - killedAt} ms after its host was killed`);
      }
      // Never two runners at once: each hold ends before the next begins, and one taking over from
      // the dead host begins only after every process there was killed.
      for (let i = 1; i < periods.length; i++) {
        expect(periods[i]!.start).toBeGreaterThanOrEqual(periods[i - 1]!.end ?? Infinity);
        if (periods[i - 1]!.runner === "ns-runner-a") expect(periods[i]!.start).toBeGreaterThanOrEqual(killedAt);
      }
    }
    // Nothing already stored is lost: every task's events start with what they were, seqs dense.
    for (const task of tasks) {
      const after = await stack.events(task.id);
      expect(after.slice(0, before.get(task.id)!.length)).toEqual(before.get(task.id));
      expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    }
    const reviewed = (await Promise.all(tasks.map((t) => stack.api.task.get({ id: t.id })))).filter((t) => t.state === "review");
    for (const task of reviewed) await stack.api.change.apply.call(null, { taskId: task.id });
    expect(reviewed.length).toBeGreaterThan(0);
  });
});
