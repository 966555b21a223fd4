import { readFileSync } from "node:fs";
import path from "node:path";
import { exitCodes, type RouterOutputs, type WharfClient } from "@wharf/client";
import { followTask } from "./follow.ts";
import { stateColor, type Style } from "./style.ts";

export class UsageError extends Error {
  readonly command: string;
  constructor(command: string, message: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** A project, task or agent named on the command line does not exist. */
export class NotFoundError extends Error {
  readonly ref: string;
  constructor(ref: string, message: string) {
    super(message);
    this.name = "NotFoundError";
    this.ref = ref;
  }
}

export type CommandContext = {
  client: () => WharfClient;
  json: boolean;
  interactive: boolean;
  style: Style;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
};

const out = (text: string) => process.stdout.write(`${text}\n`);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

function one(ctx: CommandContext, command: string, what: string): string {
  if (ctx.positionals.length !== 1) throw new UsageError(command, `Give exactly one ${what}.`);
  return ctx.positionals[0]!;
}

function str(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === "string" ? value : undefined;
}

function lineNumber(command: string, option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(command, `${option} is a line number (1 or more), not "${value}".`);
  return n;
}

type Project = RouterOutputs["project"]["list"][number];

/** A project by id, name or repository path. */
async function findProject(client: WharfClient, ref: string): Promise<Project> {
  const projects = await client.project.list.query();
  const resolved = path.resolve(ref);
  const found = projects.find((p) => p.id === ref) ?? projects.find((p) => p.name === ref) ?? projects.find((p) => p.repoPath === resolved);
  if (!found) throw new NotFoundError(ref, `No project "${ref}". Add it with "wharf project add PATH", or see "wharf project ls".`);
  return found;
}

/** Several agents (or runs) for one prompt: best-of-N attempts; prints the group id, then each task id. */
async function createAttempts(
  ctx: CommandContext,
  client: WharfClient,
  input: { projectId: string; prompt: string; agents: string[]; runs: number; model: string | undefined; mode: string | undefined },
): Promise<number> {
  if (ctx.values.follow || ctx.values["depends-on"] || ctx.values.parent) {
    throw new UsageError("task create", "--follow, --depends-on and --parent take one agent; follow one attempt afterwards with \"wharf task follow ID\".");
  }
  const attempts = input.agents.flatMap((agentId) => Array.from({ length: input.runs }, () => ({ agentId, model: input.model, mode: input.mode })));
  const created = await client.task.createAttempts.mutate({ projectId: input.projectId, prompt: input.prompt, attempts });
  if (ctx.json) out(JSON.stringify(created));
  else {
    out(created.groupId);
    for (const task of created.tasks) out(`  attempt ${task.attemptIndex} ${task.id} ${task.agentId}`);
  }
  return 0;
}

export const commands: Record<string, (ctx: CommandContext) => Promise<number>> = {
  async "project add"(ctx) {
    // A path, a clone URL (--url), or both: runners that cannot see the path clone the URL.
    const url = str(ctx, "url");
    if (ctx.positionals.length > 1 || (ctx.positionals.length === 0 && url === undefined)) {
      throw new UsageError("project add", "Give the repository's path, its clone URL (--url URL), or both.");
    }
    const repo = ctx.positionals[0] === undefined ? undefined : path.resolve(ctx.positionals[0]);
    const project = await ctx.client().project.create.mutate({ path: repo, url, name: str(ctx, "name"), baseBranch: str(ctx, "base-branch") });
    if (ctx.json) json(project);
    else out(project.id);
    return 0;
  },

  async "project ls"(ctx) {
    const projects = await ctx.client().project.list.query();
    if (ctx.json) json(projects);
    else for (const p of projects) out(`${p.id}  ${ctx.style.bold(p.name)}  ${ctx.style.dim(`${p.repoManaged ? p.cloneUrl : p.repoPath} (${p.baseBranch})`)}`);
    return 0;
  },

  async agents(ctx) {
    const agents = await ctx.client().agent.list.query();
    if (ctx.json) json(agents);
    else {
      for (const a of agents) {
        const mark = a.available ? ctx.style.green("✓") : ctx.style.gray("✗");
        const note = a.available ? (a.version ? ctx.style.dim(`  ${a.version}`) : "") : ctx.style.dim(`  (${a.detectError ?? "not installed"})`);
        out(`${mark} ${a.id.padEnd(14)} ${a.name}${note}`);
      }
    }
    return 0;
  },

  async "task create"(ctx) {
    const given = one(ctx, "task create", "prompt (quote it; \"-\" reads stdin)");
    const prompt = given === "-" ? readFileSync(0, "utf8") : given;
    const projectRef = str(ctx, "project");
    const agents = (ctx.values.agent as string[] | undefined) ?? [];
    if (!projectRef || agents.length === 0) throw new UsageError("task create", "--project and --agent are required.");
    const runs = ctx.values.runs === undefined ? 1 : lineNumber("task create", "--runs", String(ctx.values.runs));
    const client = ctx.client();
    const project = await findProject(client, projectRef);
    const model = str(ctx, "model");
    const mode = str(ctx, "mode");
    if (agents.length * runs > 1) return createAttempts(ctx, client, { projectId: project.id, prompt, agents, runs, model, mode });
    const dependsOn = ctx.values["depends-on"] as string[] | undefined;
    const task = await client.task.create.mutate({ projectId: project.id, agentId: agents[0]!, prompt, model, mode, parentId: str(ctx, "parent"), dependsOn });
    if (ctx.json) out(JSON.stringify(task));
    else {
      out(task.id);
      if (task.blockedReason) process.stderr.write(`wharf: blocked, ${task.blockedReason}\n`);
    }
    if (!ctx.values.follow) return 0;
    return followTask({ client, taskId: task.id, json: ctx.json, interactive: ctx.interactive, style: ctx.style });
  },

  async "task attempts"(ctx) {
    const group = await ctx.client().task.attempts.query({ groupId: one(ctx, "task attempts", "attempt group id or task id") });
    if (ctx.json) {
      json(group);
      return 0;
    }
    const s = ctx.style;
    out(`${s.bold("Group")}   ${group.groupId}`);
    out(`${s.bold("Prompt")}  ${group.prompt.split("\n")[0]!.slice(0, 100)}`);
    for (const a of group.attempts) {
      const stats = a.change ? `${a.change.files.length} files ${s.green(`+${a.change.additions}`)} ${s.red(`-${a.change.deletions}`)}` : s.dim("no change");
      const tokens = a.usage.outputTokens !== undefined ? s.dim(`  ${a.usage.inputTokens ?? 0}→${a.usage.outputTokens} tokens`) : "";
      const cost = a.usage.cost ? s.dim(`  ${a.usage.cost.amount} ${a.usage.cost.currency}`) : "";
      out(`${String(a.attemptIndex).padStart(2)}. ${a.id}  ${stateColor(s, a.state)(a.state.padEnd(11))} ${a.agent.id.padEnd(12)} ${stats}${tokens}${cost}`);
    }
    return 0;
  },

  async "task pick"(ctx) {
    const result = await ctx.client().task.pickAttempt.mutate({ taskId: one(ctx, "task pick", "task id"), action: ctx.values.pr === true ? "pull_request" : "apply" });
    if (ctx.json) {
      json(result);
      return 0;
    }
    out(`${result.taskId} ${result.state}${result.pullRequest ? ` ${result.pullRequest.url}` : ` ${result.commit}`}`);
    for (const sibling of result.siblings) out(`  attempt ${sibling.attemptIndex} ${sibling.taskId}: ${sibling.action}, ${sibling.note}`);
    return 0;
  },

  async "task ls"(ctx) {
    const project = str(ctx, "project");
    const client = ctx.client();
    const states = ctx.values.state as string[] | undefined;
    const limit = str(ctx, "limit");
    const list = await client.task.list.query({
      projectId: project ? (await findProject(client, project)).id : undefined,
      states: states as RouterOutputs["task"]["get"]["state"][] | undefined,
      limit: limit ? Number(limit) : 100,
    });
    if (ctx.json) json(list.items);
    else {
      for (const t of list.items) {
        const title = t.prompt.split("\n")[0]!.slice(0, 60);
        out(`${t.id}  ${stateColor(ctx.style, t.state)(t.state.padEnd(11))} ${t.agent.id.padEnd(12)} ${ctx.style.dim(t.project.name)}  ${title}`);
      }
    }
    return 0;
  },

  async "task show"(ctx) {
    const task = await ctx.client().task.get.query({ id: one(ctx, "task show", "task id") });
    if (ctx.json) {
      json(task);
      return 0;
    }
    const s = ctx.style;
    out(`${s.bold("Task")}     ${task.id}`);
    out(`${s.bold("State")}    ${stateColor(s, task.state)(task.state)}${task.error ? s.red(`  ${task.error}`) : ""}${task.blockedReason ? s.yellow(`  ${task.blockedReason}`) : ""}`);
    out(`${s.bold("Project")}  ${task.project.name}`);
    out(`${s.bold("Agent")}    ${task.agent.name}${task.model ? ` · ${task.model}` : ""}${task.mode ? ` · ${task.mode}` : ""}`);
    if (task.branch) out(`${s.bold("Branch")}   ${task.branch}`);
    out(`${s.bold("Prompt")}   ${task.prompt.split("\n").join("\n         ")}`);
    const linked = (t: { id: string; state: string; prompt: string }) => `${t.id}  ${stateColor(s, t.state)(t.state.padEnd(11))} ${t.prompt.split("\n")[0]!.slice(0, 60)}`;
    if (task.parent) out(`${s.bold("Parent")}   ${linked(task.parent)}`);
    for (const [label, list] of [["Subtask", task.subtasks], ["Waits on", task.dependsOn], ["Needed by", task.dependents]] as const) {
      for (const t of list) out(`${s.bold(label.padEnd(9))}${linked(t)}`);
    }
    if (task.change) {
      out(`${s.bold("Change")}   ${task.change.state}: ${task.change.files.length} files, ${s.green(`+${task.change.additions}`)} ${s.red(`-${task.change.deletions}`)}`);
      for (const f of task.change.files) out(`         ${f.status.padEnd(9)} ${f.path}  ${s.green(`+${f.additions}`)} ${s.red(`-${f.deletions}`)}`);
    }
    for (const p of task.permissions) out(`${s.yellow("Waiting")}  ${p.title ?? p.toolCallId} — answer with "wharf task follow ${task.id}"`);
    return 0;
  },

  async "task follow"(ctx) {
    const taskId = one(ctx, "task follow", "task id");
    return followTask({ client: ctx.client(), taskId, json: ctx.json, interactive: ctx.interactive && !ctx.values["no-input"], style: ctx.style });
  },

  async "task cancel"(ctx) {
    const result = await ctx.client().task.cancel.mutate({ id: one(ctx, "task cancel", "task id"), withSubtasks: ctx.values["with-subtasks"] === true });
    if (ctx.json) json(result);
    else out(`${result.id} ${result.state}${result.subtasksCancelled > 0 ? ` (and ${result.subtasksCancelled} subtasks)` : ""}`);
    return 0;
  },

  async "task start"(ctx) {
    const result = await ctx.client().task.start.mutate({ id: one(ctx, "task start", "task id") });
    if (ctx.json) json(result);
    else out(`${result.id} ${result.state}`);
    return 0;
  },

  async "change apply"(ctx) {
    const paths = ctx.values.path as string[] | undefined;
    const result = await ctx.client().change.apply.mutate({ taskId: one(ctx, "change apply", "task id"), paths, message: str(ctx, "message") });
    if (ctx.json) json(result);
    else {
      out(result.commit);
      if (result.remaining.length > 0) process.stderr.write(`wharf: ${result.remaining.length} file(s) left in review: ${result.remaining.join(", ")}\n`);
    }
    return 0;
  },

  async "change discard"(ctx) {
    const result = await ctx.client().change.discard.mutate({ taskId: one(ctx, "change discard", "task id") });
    if (ctx.json) json(result);
    else out(`${result.taskId} ${result.state}`);
    return 0;
  },

  async "change rebase"(ctx) {
    const result = await ctx.client().change.rebase.mutate({ taskId: one(ctx, "change rebase", "task id"), handToAgent: Boolean(ctx.values["hand-to-agent"]) });
    if (ctx.json) {
      json(result);
      return result.outcome === "conflict" && !result.sentToAgent ? exitCodes.conflict : 0;
    }
    if (result.outcome === "rebased") out(`rebased onto ${result.baseCommit}`);
    else if (result.outcome === "up_to_date") out(`already on ${result.baseCommit}`);
    else {
      process.stderr.write(`wharf: ${result.message}\n`);
      for (const file of result.files) out(file);
      if (result.sentToAgent) process.stderr.write("wharf: the conflict was sent to the agent as a follow-up.\n");
      else return exitCodes.conflict;
    }
    return 0;
  },

  async "change push"(ctx) {
    const result = await ctx.client().change.push.mutate({ taskId: one(ctx, "change push", "task id"), branch: str(ctx, "branch") });
    if (ctx.json) json(result);
    else out(`${result.remote} ${result.branch} ${result.commit}${result.updated ? "" : ctx.style.dim(" (already there)")}`);
    return 0;
  },

  async "change pr"(ctx) {
    const result = await ctx.client().change.openPullRequest.mutate({
      taskId: one(ctx, "change pr", "task id"),
      title: str(ctx, "title"),
      body: str(ctx, "body"),
      draft: Boolean(ctx.values.draft),
      branch: str(ctx, "branch"),
    });
    if (ctx.json) json(result);
    else out(result.created ? result.url : `${result.url} ${ctx.style.dim("(already open)")}`);
    return 0;
  },

  async "comment add"(ctx) {
    if (ctx.positionals.length !== 2) throw new UsageError("comment add", "Give the task id and the comment text (quote it; \"-\" reads stdin).");
    const [taskId, text] = ctx.positionals as [string, string];
    const path = str(ctx, "path");
    const line = str(ctx, "line");
    if (!path || !line) throw new UsageError("comment add", "--path and --line are required.");
    const endLine = str(ctx, "end-line");
    const comment = await ctx.client().comment.add.mutate({
      taskId,
      path,
      startLine: lineNumber("comment add", "--line", line),
      endLine: endLine === undefined ? undefined : lineNumber("comment add", "--end-line", endLine),
      side: ctx.values.old ? "old" : "new",
      body: text === "-" ? readFileSync(0, "utf8") : text,
    });
    if (ctx.json) json(comment);
    else out(comment.id);
    return 0;
  },

  async "comment ls"(ctx) {
    const comments = await ctx.client().comment.list.query({ taskId: one(ctx, "comment ls", "task id") });
    if (ctx.json) {
      json(comments);
      return 0;
    }
    const s = ctx.style;
    for (const c of comments) {
      const where = `${c.path}:${c.startLine === c.endLine ? c.startLine : `${c.startLine}-${c.endLine}`}${c.side === "old" ? " (old)" : ""}`;
      const marks = [c.state === "sent" ? s.dim(`sent in turn ${c.sentInTurn ?? "?"}`) : s.yellow("open"), c.outdated ? s.red("outdated") : ""].filter(Boolean).join(" ");
      out(`${c.id}  ${s.bold(where)}  ${marks}`);
      out(`  ${c.body.split("\n").join("\n  ")}`);
    }
    return 0;
  },

  async "comment send"(ctx) {
    const result = await ctx.client().comment.send.mutate({ taskId: one(ctx, "comment send", "task id") });
    if (ctx.json) json(result);
    else out(`${result.sent} comment(s) sent; turn ${result.turn} queued`);
    return 0;
  },

  async "project set"(ctx) {
    const client = ctx.client();
    const project = await findProject(client, one(ctx, "project set", "project (id, name or path)"));
    const clear = (value: string | undefined) => (value === undefined ? undefined : value === "" ? null : value);
    const forge = clear(str(ctx, "forge"));
    if (forge !== undefined && forge !== null && forge !== "github" && forge !== "gitlab") {
      throw new UsageError("project set", "--forge is github or gitlab (\"\" to detect it from the remote).");
    }
    let forgeToken: string | null | undefined;
    if (ctx.values["forge-token-stdin"]) forgeToken = readFileSync(0, "utf8").trim();
    if (ctx.values["clear-forge-token"]) forgeToken = null;
    const updated = await client.project.update.mutate({
      id: project.id,
      remote: clear(str(ctx, "remote")),
      forgeKind: forge,
      forgeApiUrl: clear(str(ctx, "forge-api-url")),
      forgeProject: clear(str(ctx, "forge-project")),
      forgeToken,
    });
    if (ctx.json) json(updated);
    else {
      out(`remote   ${updated.remote ?? ctx.style.dim("(detect)")}`);
      out(`forge    ${updated.forgeKind ?? ctx.style.dim("(from the remote URL)")}${updated.forgeApiUrl ? `  ${updated.forgeApiUrl}` : ""}${updated.forgeProject ? `  ${updated.forgeProject}` : ""}`);
      out(`token    ${updated.hasForgeToken ? "set" : ctx.style.dim("not set")}`);
    }
    return 0;
  },

  async "token rotate"(ctx) {
    if (ctx.positionals.length > 0) throw new UsageError("token rotate", "token rotate takes no arguments.");
    const { token } = await ctx.client().auth.rotateToken.mutate();
    if (ctx.json) {
      json({ token });
      return 0;
    }
    out(token);
    process.stderr.write(
      "wharf: the old token no longer works. Browsers sign in again with this one; scripts that set WHARF_TOKEN need it too. It is also in $WHARF_HOME/token on Wharf's host.\n",
    );
    return 0;
  },
};
