import pg from "pg";
import { z } from "zod";
import { configureSandbox, enableHint, sandboxFor, type Sandbox, type SandboxMode } from "./sandbox";
import type { PgBoss } from "pg-boss";
import { createBoss } from "@wharf/api/task-queue";
import { CHANNEL_CONTROL, CHANNEL_RUNNERS, controlNotifySchema, taskJobSchema } from "@wharf/api/schemas";
import { AGENTS_CHANGED } from "@wharf/api/runners";
import { inTransaction, rerouteFromGoneRunners } from "@wharf/api/lifecycle";
import { PgListener } from "@wharf/db/pg";
import { createTransports } from "./agents/registry";
import type { Logger } from "./agents/transport";
import { CapabilityStore } from "./agent-capabilities";
import { probeUnknownAgents } from "./agent-probe";
import { ensureBuiltinAgents } from "./builtin-agents";
import type { RunnerEnv } from "./env";
import { LiveSessions } from "./live-sessions";
import { PermissionBroker } from "./permission-broker";
import { ProjectRepos } from "./project-repo";
import { reconcile } from "./reconcile";
import { runnerDatabaseUrl } from "./db-session";
import { RunnerRegistry } from "./registry";
import { TaskQueues } from "./task-queues";
import { runTaskTurn, type ActiveRun, type TaskRunDeps } from "./task-run";
import { WorkspaceControl } from "./workspace/control";
import { ServiceManager } from "./workspace/services";
import { Workspaces } from "./workspace/workspace";

export type RunnerHandle = { id: string; stop(): Promise<void> };

/**
 * A runner: consumes task jobs (pg-boss, LISTEN/NOTIFY), runs up to `concurrency` tasks at once,
 * follows control messages (cancel, permission answers, terminal input) and keeps idle agent sessions for
 * follow-ups until they time out.
 */
/** Said once per runner: whether agents are confined, and if not, why and how to change that. */
function reportSandbox(sandbox: Sandbox, log: Logger): void {
  const { status } = sandbox;
  if (status.on) log.info("agents run in the OS sandbox", { bwrap: status.bwrap });
  else if (status.mode === "require") log.error(`the OS sandbox is required but cannot work (${status.reason}); every task will fail until it can. ${enableHint}`);
  else if (status.mode === "auto") log.warn(`agents are NOT sandboxed: ${status.reason}. They run with this user's full rights. ${enableHint}`);
  else log.info("the OS sandbox is turned off (WHARF_SANDBOX=off)");
}

export type RunnerOptions = {
  /**
   * The OS sandbox of this runner's agents, instead of WHARF_SANDBOX (tests that look at host
   * processes or files outside the worktree run a runner with it off); the process's own decision
   * is left as it is.
   */
  sandbox?: SandboxMode;
};

export async function startRunner(env: RunnerEnv, log: Logger, opts: RunnerOptions = {}): Promise<RunnerHandle> {
  const databaseUrl = runnerDatabaseUrl(env.DATABASE_URL);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.max(4, env.WHARF_RUNNER_CONCURRENCY + 2) });
  pool.on("error", (error) => log.error("idle database client failed", { error }));
  await ensureBuiltinAgents(pool);
  const settings = { mode: env.WHARF_SANDBOX, home: env.home, databaseUrl: env.DATABASE_URL, path: env.PATH };
  const sandbox = opts.sandbox === undefined ? configureSandbox(settings) : sandboxFor({ ...settings, mode: opts.sandbox });
  reportSandbox(sandbox, log);
  // This runner's row: health.check and the pages read whether agents are sandboxed from it, the
  // Runners page the rest.
  const registry = new RunnerRegistry({
    pool,
    id: env.runnerId,
    home: env.home,
    concurrency: env.WHARF_RUNNER_CONCURRENCY,
    heartbeatMs: env.WHARF_RUNNER_HEARTBEAT_MS,
    sandbox: sandbox.status,
    log,
  });
  const hostAgents = await registry.register();
  await reconcile({ pool, worktreesDir: env.worktreesDir, log });

  const broker = new PermissionBroker(pool, log);
  const sessions = new LiveSessions(env.WHARF_AGENT_IDLE_MS, env.WHARF_CANCEL_GRACE_MS, log);
  const active = new Map<string, ActiveRun>();
  const capabilities = new CapabilityStore(pool, log);
  const agents = createTransports({
    warm: {
      dir: env.warmAgentsDir,
      idleMs: env.WHARF_AGENT_IDLE_MS,
      graceMs: env.WHARF_CANCEL_GRACE_MS,
      initializeMs: env.WHARF_AGENT_INITIALIZE_MS,
      worktreesDir: env.worktreesDir,
      log,
    },
    sandbox,
  });
  // The probe stops each agent right after asking it: it keeps no warm agents.
  const probeAgents = createTransports({ sandbox });
  const repos = new ProjectRepos({ reposDir: env.reposDir, fetchTimeoutMs: env.WHARF_GIT_FETCH_TIMEOUT_MS, log });
  const workspaces = new Workspaces({ cacheDir: env.cacheDir, graceMs: env.WHARF_CANCEL_GRACE_MS, log });
  const services = new ServiceManager({ graceMs: env.WHARF_CANCEL_GRACE_MS, log });
  const workspaceControl = new WorkspaceControl({ pool, runnerId: env.runnerId, workspaces, services, log });
  // Created before the work loop starts: a turn's end sends the jobs of the tasks it unblocks.
  const boss: PgBoss = await createBoss(databaseUrl, "runner");
  const deps: TaskRunDeps = {
    pool,
    boss,
    runnerId: env.runnerId,
    worktreesDir: env.worktreesDir,
    graceMs: env.WHARF_CANCEL_GRACE_MS,
    broker,
    sessions,
    transportFor: agents.transportFor,
    active,
    capabilities,
    initializeMs: env.WHARF_AGENT_INITIALIZE_MS,
    wharfMcp: { url: env.WHARF_URL, sandboxed: sandbox.status.on },
    workspaces,
    services,
    repos,
    log,
  };

  const listener = new PgListener(databaseUrl);
  listener.listen(CHANNEL_CONTROL, (payload: string) => {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      log.warn("control message is not JSON", { payload: payload.slice(0, 200) });
      return;
    }
    const message = controlNotifySchema.safeParse(json);
    if (!message.success) return log.warn("control message ignored", { payload: payload.slice(0, 200) });
    const data = message.data;
    switch (data.action) {
      case "cancel":
        active.get(data.taskId)?.cancel("cancelled by request");
        break;
      case "permission":
        broker.notify(data.requestId);
        break;
      case "terminal_input":
        active.get(data.taskId)?.terminalInput(data.data);
        break;
      case "terminal_resize":
        active.get(data.taskId)?.terminalResize(data.cols, data.rows);
        break;
      case "run_setup":
      case "start_service":
      case "stop_service":
        workspaceControl.handle(data);
        break;
      case "release": {
        // Applied or discarded: the worktree goes, so its parked agent must not outlive it; the
        // worktree's services and teardown come after the agent has stopped.
        const taskId = data.taskId;
        const stopped = sessions.has(taskId)
          ? sessions.close(taskId).then(
              () => log.info("stopped the parked agent of a task that left review", { taskId }),
              (error: unknown) => log.error("stopping the parked agent failed", { taskId, error }),
            )
          : Promise.resolve();
        void stopped.then(() => workspaceControl.handle(data));
        break;
      }
    }
  });
  // An agent was added, changed or deleted: look at this host's agents again (their queues follow).
  listener.listen(CHANNEL_RUNNERS, (payload: string) => {
    if (payload === AGENTS_CHANGED) registry.refresh();
  });
  listener.onReconnect(() => {
    registry.refresh();
    broker.recheckAll();
    void cancelRequestedWhileAway(pool, active, log);
    void releasedWhileAway(pool, sessions, log);
  });
  await listener.start();

  const queues = new TaskQueues({
    boss,
    pool,
    runnerId: env.runnerId,
    databaseUrl,
    concurrency: env.WHARF_RUNNER_CONCURRENCY,
    log,
    handle: async (job) => {
      const data = taskJobSchema.safeParse(job.data);
      if (!data.success) {
        log.error("dropping a malformed task job", { jobId: job.id, issues: data.error.issues });
        return;
      }
      await runTaskTurn(deps, { ...data.data, retry: job.retryCount > 0, signal: job.signal });
    },
  });
  await queues.start(hostAgents);
  registry.onAgentsChanged((agents) => void queues.sync(agents));
  registry.afterBeat(async () => {
    const moved = await inTransaction(pool, (client) => rerouteFromGoneRunners(client, boss));
    if (moved > 0) log.info("moved follow-ups away from runners that are gone", { moved });
  });
  log.info("runner started", { runnerId: env.runnerId, concurrency: env.WHARF_RUNNER_CONCURRENCY, agents: hostAgents.map((a) => a.id) });

  // Agents that never reported their modes and commands are asked once, in the background.
  const probeStop = new AbortController();
  const probing =
    env.WHARF_AGENT_PROBE_MS > 0
      ? probeUnknownAgents(pool, { store: capabilities, transportFor: probeAgents.transportFor, log, timeoutMs: env.WHARF_AGENT_PROBE_MS }, probeStop.signal)
      : Promise.resolve();

  let stopping: Promise<void> | null = null;
  return {
    id: env.runnerId,
    stop() {
      stopping ??= (async () => {
        for (const run of active.values()) run.cancel("the runner is stopping");
        probeStop.abort();
        await queues.idle();
        await boss.stop({ graceful: true, timeout: env.WHARF_CANCEL_GRACE_MS * 3 + 2000, close: true });
        await Promise.all([sessions.closeAll(), agents.close(), services.stopAll()]);
        await workspaceControl.idle();
        await probing;
        await capabilities.idle();
        await registry.stop();
        await listener.close();
        await pool.end();
      })();
      return stopping;
    },
  };
}

const idRow = z.object({ id: z.string() });

/** A cancel may have been sent while the control connection was down. */
async function cancelRequestedWhileAway(pool: pg.Pool, active: Map<string, ActiveRun>, log: Logger) {
  if (active.size === 0) return;
  try {
    const { rows } = await pool.query(`select id from task where id = any($1::uuid[]) and cancel_requested`, [[...active.keys()]]);
    for (const row of z.array(idRow).parse(rows)) active.get(row.id)?.cancel("cancelled by request");
  } catch (error) {
    log.error("checking for cancelled tasks failed", { error });
  }
}

/** A task may have been applied or discarded while the control connection was down: its parked agent stops. */
async function releasedWhileAway(pool: pg.Pool, sessions: LiveSessions, log: Logger) {
  const parked = sessions.taskIds();
  if (parked.length === 0) return;
  try {
    const { rows } = await pool.query(`select id from task where id = any($1::uuid[]) and state in ('applied', 'discarded')`, [parked]);
    for (const row of z.array(z.object({ id: z.string() })).parse(rows)) void sessions.close(row.id);
  } catch (error) {
    log.error("checking for released tasks failed", { error });
  }
}
