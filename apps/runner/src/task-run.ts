import type pg from "pg";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import { existsSync } from "node:fs";
import { branchHead, checkoutTaskBranch, commitAll, computeChange, containedBase, createBundle, createWorktree, importBundle, releaseTaskBranch, removeWorktree, taskBranch } from "@wharf/git";
import { claimTask, endTurn, TransitionRefusedError, type TurnEnd } from "@wharf/api/lifecycle";
import { keepsWorktree, mcpServersStoredSchema, mergeMcpServers, type TaskEvent } from "@wharf/api/schemas";
import { agentEnv } from "./agent-env";
import { capabilitiesFromCommands, capabilitiesFromInfo, type CapabilityStore } from "./agent-capabilities";
import { AgentError, type AgentSession, type AgentSpec, type AgentTransport, type Logger } from "./agents/transport";
import { EventWriter } from "./event-writer";
import type { LiveSessions } from "./live-sessions";
import type { PermissionBroker } from "./permission-broker";
import { WHARF_MCP_NAME, wharfMcpServer, type WharfMcpSettings } from "./wharf-mcp";
import type { ScriptStepResult } from "./workspace/script-step";
import { projectWorkspace, type Workspaces } from "./workspace/workspace";
import { type ProjectRepos, type WorkRepo } from "./project-repo";
import { loadBundle, loadBundleHead, MAX_BUNDLE_BYTES, saveBundle } from "@wharf/api/bundles";
import type { ServiceManager } from "./workspace/services";

export type TaskRunDeps = {
  pool: pg.Pool;
  /** Sends the jobs of tasks that a turn's end unblocks (in the same transaction). */
  boss: PgBoss;
  runnerId: string;
  worktreesDir: string;
  graceMs: number;
  broker: PermissionBroker;
  sessions: LiveSessions;
  transportFor(transport: AgentSpec["transport"]): AgentTransport;
  /** Runs in progress on this runner, by task id, so control messages can reach them. */
  active: Map<string, ActiveRun>;
  /** Where what agents report about themselves (modes, models, commands) is cached. */
  capabilities: CapabilityStore;
  initializeMs: number;
  /** Where Wharf's MCP server reaches the web, for projects that give it to their agents. */
  wharfMcp: WharfMcpSettings;
  /** Setup and teardown of worktrees (the project's scripts, copied files, cache). */
  workspaces: Workspaces;
  /** Services started for tasks; a task that ends here (failed, cancelled) stops its own. */
  services: ServiceManager;
  /** Which repository this runner works in for a project (the project's path, or its own clone). */
  repos: ProjectRepos;
  log: Logger;
};

export type ActiveRun = {
  cancel(reason: string): void;
  /** Keystrokes and size from the task page, for an agent in a terminal (PTY); else ignored. */
  terminalInput(data: string): void;
  terminalResize(cols: number, rows: number): void;
};

const taskRow = z.object({
  id: z.string(),
  prompt: z.string(),
  model: z.string().nullable(),
  mode: z.string().nullable(),
  state: z.string(),
  attempt: z.number(),
  turn: z.number(),
  pending_prompt: z.string().nullable(),
  worktree_path: z.string().nullable(),
  branch: z.string().nullable(),
  base_commit: z.string().nullable(),
  session_id: z.string().nullable(),
  /** The project's repository on the web host. */
  repo_path: z.string(),
  /** Where a runner made the task's worktree when not in repo_path (its own clone). */
  work_repo: z.string().nullable(),
  clone_url: z.string().nullable(),
  repo_managed: z.boolean(),
  base_branch: z.string(),
  project_id: z.string(),
  setup_script: z.string().nullable(),
  teardown_script: z.string().nullable(),
  copy_files: z.array(z.string()).nullable(),
  setup_timeout_seconds: z.number().int().positive(),
  agent_id: z.string(),
  agent_name: z.string(),
  transport: z.enum(["acp", "pty", "native"]),
  command: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  secret_env: z.record(z.string(), z.string()),
  sandbox_network: z.boolean(),
  /** The project gives its tasks' agents Wharf's own MCP server. */
  wharf_mcp: z.boolean(),
  /** With their secret values: they go to the agent in session/new only, never to a log or an event. */
  project_mcp_servers: mcpServersStoredSchema,
  agent_mcp_servers: mcpServersStoredSchema,
});
/**
 * A claimed task and where this turn works: `repo` (the repository its worktree is or will be
 * in; `repo.own`: this runner's clone, so the branch travels back as a bundle) and `placement`:
 * `reuse` the worktree this runner kept, `new` worktree from the base branch, or `continue` the
 * task branch as stored in a new worktree here (a follow-up whose earlier turn ran elsewhere).
 * `worktreeHere`: `worktree_path` is a worktree of `repo` on this host that finish may commit.
 */
type TaskRow = z.infer<typeof taskRow> & { repo: WorkRepo; placement: "reuse" | "new" | "continue"; worktreeHere: boolean };

type Outcome =
  | { kind: "finished" }
  | { kind: "cancelled"; reason: string }
  | { kind: "failed"; message: string; detail?: string };

/**
 * One turn of one task: claim it, make sure it has a worktree and a live agent session, send the
 * prompt, and finish with a reviewable change. Orchestration only; every step is its own module.
 */
export async function runTaskTurn(
  deps: TaskRunDeps,
  job: { taskId: string; turn: number; retry: boolean; signal: AbortSignal },
): Promise<void> {
  const log = deps.log;
  const writer = new EventWriter(deps.pool, job.taskId, log);
  const claimed = await claim(deps, writer, job);
  if (!claimed) return;
  let task = claimed;

  let cancelReason: string | null = null;
  let session: AgentSession | undefined;
  const cancelController = new AbortController();
  const cancel = (reason: string) => {
    if (cancelReason) return;
    cancelReason = reason;
    cancelController.abort();
    void deps.broker.cancelTask(writer);
    if (session) {
      const s = session;
      s.cancel().catch((error: unknown) => log.warn("session/cancel failed", { taskId: task.id, error }));
      setTimeout(() => void s.close(deps.graceMs).catch((error: unknown) => log.error("stopping the agent failed", { error })), deps.graceMs).unref();
    }
  };
  // A size sent before the agent started is applied when it starts.
  const early: { size?: { cols: number; rows: number } } = {};
  deps.active.set(task.id, {
    cancel,
    terminalInput: (data) => session?.terminal?.write(data),
    terminalResize: (cols, rows) => {
      if (session?.terminal) session.terminal.resize(cols, rows);
      else early.size = { cols, rows };
    },
  });
  const onJobAbort = () => cancel("the runner is stopping");
  job.signal.addEventListener("abort", onJobAbort, { once: true });

  let outcome: Outcome;
  // The setup script under way, stopped on cancel or when starting the agent fails.
  let settingUp: Promise<ScriptStepResult | null> | null = null;
  const setupStop = new AbortController();
  cancelController.signal.addEventListener("abort", () => setupStop.abort(), { once: true });
  // In the OS sandbox, the folder a new worktree is made in, where the agent already waits.
  let slot: string | undefined;
  try {
    task = await placeTask(deps, task, job);
    // The agent starts while the worktree is made (they meet at session/new).
    if (!deps.sessions.has(task.id)) slot = await prewarm(deps, task);
    const fresh = !reusesWorktree(task);
    task = await ensureWorktree(deps, writer, task, slot);
    // A new worktree is set up before the agent gets its prompt: files copied before its session
    // starts, the setup script while it starts.
    if (fresh) settingUp = (await beginSetUp(deps, writer, withRepo(task), setupStop.signal)).script;
    session = deps.sessions.take(task.id);
    if (!session) session = await startSession(deps, writer, task, cancelController.signal);
    await endSetUp(settingUp);
    settingUp = null;
    if (early.size) session.terminal?.resize(early.size.cols, early.size.rows);
    if (cancelReason) throw new CancelledError();
    const text = promptOfTurn(task, job.turn);
    const result = await session.prompt(text);
    await writer.flush();
    await deps.capabilities.idle();
    outcome = cancelReason || result.stopReason === "cancelled" ? { kind: "cancelled", reason: cancelReason ?? "the agent cancelled the turn" } : { kind: "finished" };
  } catch (error) {
    if (settingUp) {
      setupStop.abort();
      await settingUp;
    }
    await writer.flush().catch((flushError: unknown) => log.error("flushing events failed", { flushError }));
    if (cancelReason || error instanceof CancelledError) outcome = { kind: "cancelled", reason: cancelReason ?? "cancelled" };
    else if (error instanceof SetupFailedError) outcome = { kind: "failed", message: error.message, detail: error.tail };
    else if (error instanceof AgentError) outcome = { kind: "failed", message: error.message, detail: error.stderrTail };
    else {
      log.error("task turn failed", { taskId: task.id, error });
      outcome = { kind: "failed", message: `Wharf could not run the task: ${error instanceof Error ? error.message : String(error)}` };
    }
  } finally {
    job.signal.removeEventListener("abort", onJobAbort);
  }
  // The task ended before its agent started in the slot: the slot's agent stops now rather than
  // when it would expire, and the folder goes if no worktree was made in it (never one with content).
  if (slot !== undefined && session === undefined) await deps.transportFor(task.transport).releaseFolder?.(slot);

  try {
    await finish(deps, writer, task, outcome, session);
  } finally {
    deps.active.delete(task.id);
  }
}

class CancelledError extends Error {}

class SetupFailedError extends Error {
  constructor(
    message: string,
    readonly tail: string,
  ) {
    super(message);
    this.name = "SetupFailedError";
  }
}


/** Copies the project's files, then starts its setup script; resolves with the script's run. */
function beginSetUp(deps: TaskRunDeps, writer: EventWriter, task: TaskRow, signal: AbortSignal): Promise<{ script: Promise<ScriptStepResult | null> }> {
  return deps.workspaces.beginSetup(projectWorkspace(task), task.worktree_path!, { onEvent: (event) => writer.push(event), signal });
}

async function endSetUp(running: Promise<ScriptStepResult | null> | null): Promise<void> {
  const result = await running;
  if (!result || result.ok) return;
  if (result.reason === "cancelled") throw new CancelledError();
  throw new SetupFailedError(result.message, result.tail);
}

async function claim(deps: TaskRunDeps, writer: EventWriter, job: { taskId: string; turn: number; retry: boolean }): Promise<TaskRow | null> {
  let row: TaskRow | null = null;
  try {
    await writer.transaction(async (client) => {
      await claimTask(client, { taskId: job.taskId, runnerId: deps.runnerId, turn: job.turn, retry: job.retry });
      const loaded = await client.query(
        `select t.id, t.prompt, t.model, t.mode, t.state, t.attempt, t.turn, t.pending_prompt, t.worktree_path, t.branch, t.base_commit, t.session_id,
                p.repo_path, t.work_repo, p.clone_url, p.repo_managed, p.base_branch, p.id as project_id, p.setup_script, p.teardown_script, p.copy_files, p.setup_timeout_seconds, a.id as agent_id, a.name as agent_name, a.transport::text as transport,
                a.command, a.args, a.env, a.secret_env, a.sandbox_network, p.wharf_mcp, p.mcp_servers as project_mcp_servers, a.mcp_servers as agent_mcp_servers
         from task t join project p on p.id = t.project_id join agent a on a.id = t.agent_id where t.id = $1`,
        [job.taskId],
      );
      const parsed = taskRow.safeParse(loaded.rows[0]);
      if (!parsed.success) throw new Error(`task ${job.taskId} has an invalid row: ${parsed.error.message}`);
      // Until placeTask decides: the recorded repository, trusted only when it is the project's own.
      const recorded = parsed.data.work_repo ?? parsed.data.repo_path;
      row = { ...parsed.data, repo: { path: recorded, own: parsed.data.work_repo !== null }, placement: "new", worktreeHere: parsed.data.work_repo === null };
    });
  } catch (error) {
    if (!(error instanceof TransitionRefusedError)) throw error;
    deps.log.info("job skipped: task is not waiting to run", { taskId: job.taskId, state: error.from, reason: error.message });
    return null;
  }
  return row;
}

/** The text this turn sends: the task's prompt first, then the follow-up stored on the row. */
function promptOfTurn(task: TaskRow, turn: number): string {
  if (turn === 0) return task.prompt;
  if (!task.pending_prompt) throw new Error(`task ${task.id} has no follow-up prompt stored for turn ${turn}`);
  return task.pending_prompt;
}

/** A follow-up turn keeps the worktree it has; otherwise a new one is made (an old one removed first). */
const reusesWorktree = (task: TaskRow) => task.placement === "reuse";

/**
 * Decides where this turn works (see TaskRow). A follow-up keeps its worktree when this runner
 * made it in the repository it uses for the project (a stat; on the local path no git runs);
 * a follow-up whose worktree is elsewhere continues from its branch; anything else starts from
 * the base branch. A repository that is this runner's clone is fetched first (ProjectRepos).
 */
async function placeTask(deps: TaskRunDeps, task: TaskRow, job: { turn: number }): Promise<TaskRow> {
  const project = {
    projectId: task.project_id,
    repoPath: task.repo_path,
    repoManaged: task.repo_managed,
    cloneUrl: task.clone_url,
    baseBranch: task.base_branch,
  };
  const here = deps.repos.which(project);
  const followUp = job.turn > 0 && task.worktree_path !== null && task.base_commit !== null;
  const recorded = task.work_repo ?? task.repo_path;
  if (followUp && recorded === here.path && existsSync(task.worktree_path!) && (await branchAsStored(deps, task, here))) {
    return { ...task, repo: here, placement: "reuse", worktreeHere: true };
  }
  const repo = await deps.repos.prepare(project);
  if (followUp) {
    // The kept session worked in a worktree that is replaced: it goes (the next one resumes by id).
    await deps.sessions.take(task.id)?.close(deps.graceMs);
    return { ...task, repo, placement: "continue", worktreeHere: false };
  }
  // A retry's earlier worktree is this runner's to remove when it is in the repository used here.
  return { ...task, repo, placement: "new", worktreeHere: recorded === repo.path };
}

/** `folder`: where the transport wants the new worktree (see AgentTransport.worktreeFolder). */
async function ensureWorktree(deps: TaskRunDeps, writer: EventWriter, task: TaskRow, folder: string | undefined): Promise<TaskRow> {
  if (reusesWorktree(task)) return task;
  const repoPath = task.repo.path;
  const where = { repoPath, taskId: task.id, worktreesDir: deps.worktreesDir, ...(folder !== undefined && { folder }) };
  let worktree: { path: string; branch: string; baseCommit: string };
  if (task.placement === "continue") {
    // The branch as the last turn stored it: its bundle when that turn ran in another clone.
    await releaseTaskBranch({ repoPath, taskId: task.id });
    const bundle = await loadBundle(deps.pool, task.id);
    if (bundle) {
      const source = task.clone_url === null ? {} : { source: { url: task.clone_url, baseBranch: task.base_branch } };
      await importBundle({ repoPath, bundle: bundle.bundle, branch: bundle.branch, headCommit: bundle.headCommit, ...source });
    }
    worktree = { ...(await checkoutTaskBranch(where)), baseCommit: task.base_commit! };
  } else {
    // A retry's earlier worktree goes first when it is here (another host's stays on its disk).
    if (task.worktree_path && task.branch && task.worktreeHere) {
      await deps.workspaces.teardown(projectWorkspace(withRepo(task)), task.worktree_path, (event) => writer.push(event));
      await removeWorktree({ repoPath, path: task.worktree_path, branch: task.branch, deleteBranch: true });
    }
    worktree = await createWorktree({ ...where, baseBranch: task.base_branch });
  }
  await writer.transaction(async (client) => {
    await client.query(`update task set worktree_path = $2, branch = $3, base_commit = $4, work_repo = $5, updated_at = now() where id = $1`, [
      task.id,
      worktree.path,
      worktree.branch,
      worktree.baseCommit,
      task.repo.own ? repoPath : null,
    ]);
  });
  return { ...task, worktree_path: worktree.path, branch: worktree.branch, base_commit: worktree.baseCommit, worktreeHere: true };
}

/**
 * In this runner's own clone, whether the kept task branch is still what the database stores (the
 * web host may have moved it: a partial apply, a rebase). One query and one rev-parse, only for
 * tasks in a runner's clone; the local path asks nothing.
 */
async function branchAsStored(deps: TaskRunDeps, task: TaskRow, repo: WorkRepo): Promise<boolean> {
  if (!repo.own || task.branch === null) return true;
  const stored = await loadBundleHead(deps.pool, task.id);
  return stored === null || stored.headCommit === (await branchHead(repo.path, stored.branch));
}

/** The row with `repo_path` = the repository this turn works in, for the workspace steps. */
const withRepo = (task: TaskRow): TaskRow => ({ ...task, repo_path: task.repo.path });

function agentSpec(task: TaskRow): AgentSpec {
  return {
    id: task.agent_id,
    name: task.agent_name,
    transport: task.transport,
    command: task.command,
    args: task.args,
    env: { ...task.env, ...task.secret_env },
    network: task.sandbox_network,
  };
}

/**
 * Starts the agent ahead while the worktree is made. A follow-up's agent is told the worktree it
 * keeps. For a new worktree, a transport whose agents must start where they work (the OS sandbox)
 * names the folder to make it in, where its agent already waits (returned); otherwise the agent
 * starts in a folder of its own.
 */
async function prewarm(deps: TaskRunDeps, task: TaskRow): Promise<string | undefined> {
  const agent = agentSpec(task);
  const env = agentEnv(process.env, agent.env);
  const transport = deps.transportFor(agent.transport);
  if (reusesWorktree(task) && task.worktree_path !== null) {
    transport.prewarm?.(agent, env, { worktree: task.worktree_path, repository: task.repo.path });
    return undefined;
  }
  const folder = await transport.worktreeFolder?.(agent, env, task.repo.path);
  if (folder === undefined) transport.prewarm?.(agent, env);
  return folder;
}

async function startSession(deps: TaskRunDeps, writer: EventWriter, task: TaskRow, cancelSignal: AbortSignal): Promise<AgentSession> {
  const agent = agentSpec(task);
  const session = await deps.transportFor(agent.transport).start({
    agent,
    cwd: task.worktree_path!,
    env: agentEnv(process.env, agent.env),
    ...(task.session_id ? { resumeSessionId: task.session_id } : {}),
    ...(task.mode ? { mode: task.mode } : {}),
    ...(task.model ? { model: task.model } : {}),
    timeouts: { initializeMs: deps.initializeMs },
    mcpServers: await sessionMcpServers(deps, writer, task),
    hooks: {
      onEvent: (event: TaskEvent) => {
        writer.push(event);
        if (event.type === "commands") void deps.capabilities.record(agent.id, capabilitiesFromCommands(event));
      },
      requestPermission: (ask, signal) => deps.broker.ask(writer, ask, AbortSignal.any([signal, cancelSignal])),
      log: deps.log,
    },
  });
  void deps.capabilities.record(agent.id, capabilitiesFromInfo(session.info));
  if (task.session_id && session.sessionId !== task.session_id) {
    writer.push({ type: "error", message: `${agent.name} could not resume its earlier session; this turn starts a new session without the earlier conversation.` });
  }
  await writer.transaction(async (client) => {
    await client.query(`update task set session_id = $2, updated_at = now() where id = $1`, [task.id, session.sessionId]);
  });
  return session;
}

/**
 * The MCP servers of a new session: the project's and the agent's, and Wharf's own when the project
 * enables it (with a token scoped to this task, issued for this session), or an error on the task
 * saying why it could not be given.
 */
async function sessionMcpServers(deps: TaskRunDeps, writer: EventWriter, task: TaskRow) {
  const configured = mergeMcpServers(task.project_mcp_servers, task.agent_mcp_servers);
  if (!task.wharf_mcp || task.transport === "pty") return configured;
  const wharf = await wharfMcpServer(deps.pool, deps.wharfMcp, { id: task.id, network: task.sandbox_network });
  if ("problem" in wharf) {
    writer.push({ type: "error", message: wharf.problem });
    return configured;
  }
  return [...configured.filter((s) => s.name !== WHARF_MCP_NAME), wharf.server];
}

/** Commits the worktree, records the change and moves the task to its end state for this turn. */
async function finish(deps: TaskRunDeps, writer: EventWriter, task: TaskRow, outcome: Outcome, session: AgentSession | undefined) {
  const log = deps.log;
  if (outcome.kind !== "finished" && session) {
    await session.close(deps.graceMs).catch((error: unknown) => log.error("stopping the agent failed", { taskId: task.id, error }));
  }

  let change: Awaited<ReturnType<typeof computeChange>> | null = null;
  let headCommit: string | null = null;
  let baseCommit = task.base_commit;
  // The worktree's work could not be put on the branch: the worktree stays, whatever the state.
  let unrecorded = false;
  const repoPath = task.repo.path;
  let bundle: { bundle: Buffer; startsAt: string } | null = null;
  if (task.worktree_path && task.base_commit && task.worktreeHere) {
    try {
      const committed = await commitAll({
        repoPath,
        worktreePath: task.worktree_path,
        branch: task.branch ?? taskBranch(task.id),
        message: `wharf task ${task.id}\n\n${task.prompt.slice(0, 2000)}`,
      });
      headCommit = committed.headCommit;
      // A branch that merged the base branch (a conflict handed to the agent) is diffed from there.
      // Both read commits only: they run in the repository, never in the agent's worktree.
      baseCommit = await containedBase({ repoPath, baseBranch: task.base_branch, baseCommit: task.base_commit, headCommit });
      if (headCommit !== baseCommit) change = await computeChange({ worktreePath: repoPath, baseCommit, headCommit });
      // Work in this runner's own clone travels back with the change (see @wharf/api/bundles),
      // from where the stored bundle started: the base may be a commit only the web host made.
      if (task.repo.own && change && change.files.length > 0 && outcome.kind === "finished") {
        const since = (await loadBundleHead(deps.pool, task.id))?.baseCommit;
        bundle = await createBundle({ repoPath, branch: task.branch ?? taskBranch(task.id), baseCommit, since, maxBytes: MAX_BUNDLE_BYTES });
      }
    } catch (error) {
      log.error("recording the change failed", { taskId: task.id, error });
      unrecorded = true;
      const kept = `Its worktree is kept at ${task.worktree_path}: nothing in it was deleted.`;
      if (outcome.kind === "finished") outcome = { kind: "failed", message: `Wharf could not record the change: ${error instanceof Error ? error.message : String(error)} ${kept}` };
      else writer.push({ type: "error", message: `Wharf could not record the work in the worktree. ${kept}` });
    }
  }
  const hasChange = !!change && change.files.length > 0;
  const state: "review" | "completed" | "failed" | "cancelled" = outcome.kind === "finished" ? (hasChange ? "review" : "completed") : outcome.kind;
  if (!keepsWorktree(state)) {
    deps.broker.forgetTask(task.id);
    await deps.services.stopTask(task.id);
    // Failed or cancelled: the work stays on the task branch (recorded as a discarded change);
    // the worktree goes before the final state is visible, so no one sees an ended task with one.
    if (task.worktree_path && task.branch && !unrecorded && task.worktreeHere) {
      await deps.workspaces.teardown(projectWorkspace(withRepo(task)), task.worktree_path, (event) => writer.push(event));
      await removeWorktree({ repoPath, path: task.worktree_path, branch: task.branch, deleteBranch: !hasChange }).catch((error: unknown) =>
        log.error("removing the worktree failed", { taskId: task.id, error }),
      );
    }
  }
  const recorded =
    change && headCommit && task.branch && baseCommit
      ? { branch: task.branch, baseCommit, headCommit, files: change.files, additions: change.additions, deletions: change.deletions, diff: change.diff }
      : undefined;
  const end: TurnEnd =
    state === "review" && recorded
      ? { to: "review", change: recorded }
      : state === "review" || state === "completed"
        ? { to: "completed", change: recorded }
        : outcome.kind === "failed"
          ? { to: "failed", message: outcome.message, detail: outcome.detail, change: recorded }
          : { to: "cancelled", reason: outcome.kind === "cancelled" ? outcome.reason : "cancelled", change: recorded };
  await writer.transaction(async (client) => {
    if (bundle && recorded) await saveBundle(client, task.id, { branch: recorded.branch, baseCommit: bundle.startsAt, headCommit: recorded.headCommit, bundle: bundle.bundle });
    await endTurn(client, deps.boss, task.id, end);
  });

  if (keepsWorktree(state) && session) deps.sessions.park(task.id, session);
}
