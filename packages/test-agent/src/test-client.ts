import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, relative } from "node:path";
import { Readable, Writable } from "node:stream";
import {
  client,
  methods,
  ndJsonStream,
  RequestError,
  type ClientCapabilities,
  type ClientConnection,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
} from "@agentclientprotocol/sdk";
import { testAgentBin } from "./paths.ts";

/**
 * A small but real ACP client for the tests: spawns the agent binary, answers permission requests
 * with a callback, serves fs/* inside `cwd` and terminal/* with real processes, and records what
 * the agent sent. It doubles as an example of the SDK 2.x client API.
 */

type AgentExit = { code: number | null; signal: NodeJS.Signals | null };

export type TestClientOptions = {
  cwd: string;
  env?: Record<string, string>;
  onPermission?: (request: RequestPermissionRequest) => RequestPermissionResponse | Promise<RequestPermissionResponse>;
};

export type TestClient = {
  connection: ClientConnection;
  child: ChildProcess;
  exited: Promise<AgentExit>;
  updates: SessionNotification[];
  permissionRequests: RequestPermissionRequest[];
  extNotifications: Array<{ method: string; params: unknown }>;
  stderr: () => string;
  /** Resolves with the first update (already received or still to come) that matches. */
  waitForUpdate: (match: (n: SessionNotification) => boolean) => Promise<SessionNotification>;
  /** Resolves with the first permission request (already received or still to come). */
  waitForPermissionRequest: () => Promise<RequestPermissionRequest>;
  /** Resolves with the first extension notification of that method. */
  waitForExtNotification: (method: string) => Promise<{ method: string; params: unknown }>;
  /** Closes stdin and waits for the agent to exit (SIGKILL after `graceMs`). */
  close: (graceMs?: number) => Promise<AgentExit>;
};

/** An array that can also be waited on for an item that matches. */
class Recorder<T> extends Array<T> {
  static override get [Symbol.species]() {
    return Array;
  }
  private readonly waiters = new Set<(item: T) => void>();

  record(item: T): void {
    this.push(item);
    for (const waiter of this.waiters) waiter(item);
  }

  waitFor(match: (item: T) => boolean): Promise<T> {
    const seen = this.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter = (item: T): void => {
        if (!match(item)) return;
        this.waiters.delete(waiter);
        resolve(item);
      };
      this.waiters.add(waiter);
    });
  }
}

type Terminal = { child: ChildProcess; output: string; exit: Promise<AgentExit> };

const fullCapabilities: ClientCapabilities = {
  fs: { readTextFile: true, writeTextFile: true },
  terminal: true,
};

function insideCwd(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  if (!isAbsolute(path) || rel.startsWith("..") || isAbsolute(rel)) {
    throw RequestError.invalidParams({ path }, `path is outside the working directory: ${path}`);
  }
  return path;
}

export function startTestClient(options: TestClientOptions): TestClient {
  const child = spawn(process.execPath, [testAgentBin], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit").then(([code, signal]) => ({ code, signal }));

  const updates = new Recorder<SessionNotification>();
  const permissionRequests = new Recorder<RequestPermissionRequest>();
  const extNotifications = new Recorder<{ method: string; params: unknown }>();
  const terminals = new Map<string, Terminal>();
  let terminalIds = 0;

  const app = client({ name: "wharf-test-client" })
    .onNotification(methods.client.session.update, ({ params }) => {
      updates.record(params);
    })
    .onNotification("*", ({ method, params }) => {
      extNotifications.record({ method, params });
    })
    .onRequest(methods.client.session.requestPermission, async ({ params }) => {
      permissionRequests.record(params);
      if (!options.onPermission) return { outcome: { outcome: "cancelled" } };
      return options.onPermission(params);
    })
    .onRequest(methods.client.fs.readTextFile, async ({ params }) => {
      const path = insideCwd(options.cwd, params.path);
      try {
        return { content: await readFile(path, "utf8") };
      } catch (error) {
        // A file the agent is about to create reads as empty, as real clients answer.
        if (error instanceof Error && "code" in error && error.code === "ENOENT") return { content: "" };
        throw error;
      }
    })
    .onRequest(methods.client.fs.writeTextFile, async ({ params }) => {
      const path = insideCwd(options.cwd, params.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, params.content);
      return {};
    })
    .onRequest(methods.client.terminal.create, ({ params }) => {
      const proc = spawn(params.command, params.args ?? [], {
        cwd: params.cwd ?? options.cwd,
        env: { ...process.env, ...Object.fromEntries((params.env ?? []).map((e) => [e.name, e.value])) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const terminal: Terminal = {
        child: proc,
        output: "",
        exit: once(proc, "exit").then(([code, signal]) => ({ code, signal })),
      };
      const append = (chunk: string): void => {
        terminal.output += chunk;
      };
      proc.stdout?.setEncoding("utf8").on("data", append);
      proc.stderr?.setEncoding("utf8").on("data", append);
      const terminalId = `term-${++terminalIds}`;
      terminals.set(terminalId, terminal);
      return { terminalId };
    })
    .onRequest(methods.client.terminal.waitForExit, async ({ params }) => {
      const exit = await terminalOf(params.terminalId).exit;
      return { exitCode: exit.code, signal: exit.signal };
    })
    .onRequest(methods.client.terminal.output, ({ params }) => {
      const terminal = terminalOf(params.terminalId);
      const exit = terminal.child.exitCode ?? terminal.child.signalCode;
      return {
        output: terminal.output,
        truncated: false,
        exitStatus: exit === null ? null : { exitCode: terminal.child.exitCode, signal: terminal.child.signalCode },
      };
    })
    .onRequest(methods.client.terminal.kill, ({ params }) => {
      terminalOf(params.terminalId).child.kill("SIGKILL");
      return {};
    })
    .onRequest(methods.client.terminal.release, ({ params }) => {
      terminalOf(params.terminalId).child.kill("SIGKILL");
      terminals.delete(params.terminalId);
      return {};
    });

  function terminalOf(id: string): Terminal {
    const terminal = terminals.get(id);
    if (!terminal) throw RequestError.resourceNotFound(id);
    return terminal;
  }

  if (!child.stdin || !child.stdout) throw new Error("agent process has no stdio pipes");
  const connection = app.connect(
    ndJsonStream(
      Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>,
    ),
  );

  const close = async (graceMs = 2000): Promise<AgentExit> => {
    connection.close();
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
      for (const terminal of terminals.values()) terminal.child.kill("SIGKILL");
    }
  };

  return {
    connection,
    child,
    exited,
    updates,
    permissionRequests,
    extNotifications,
    stderr: () => stderr,
    waitForUpdate: (match) => updates.waitFor(match),
    waitForPermissionRequest: () => permissionRequests.waitFor(() => true),
    waitForExtNotification: (method) => extNotifications.waitFor((n) => n.method === method),
    close,
  };
}

/** initialize + session/new; returns the new session's id and the full responses. */
export async function openSession(testClient: TestClient, cwd: string, capabilities = fullCapabilities) {
  const agent = testClient.connection.agent;
  const init = await agent.request(methods.agent.initialize, {
    protocolVersion: 1,
    clientCapabilities: capabilities,
    clientInfo: { name: "wharf-test-client", version: "0.0.0" },
  });
  const session = await agent.request(methods.agent.session.new, { cwd, mcpServers: [] });
  return { init, session, sessionId: session.sessionId };
}

/** The text of all agent message chunks, in order. */
export function agentText(updates: SessionNotification[]): string {
  return updates
    .map((n) => (n.update.sessionUpdate === "agent_message_chunk" && n.update.content.type === "text" ? n.update.content.text : ""))
    .join("");
}
