import { randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { TaskEventOf } from "@wharf/api/schemas";
import { mergeEnv } from "../agent-env";
import { CommandNotRunnableError } from "../processes/command";
import { spawnInGroup, type GroupChild } from "../processes/spawn";
import type { Sandbox } from "../sandbox";
import { terminateGroup } from "../processes/terminate";
import { printablePath, resolveInside } from "./confine";
import { charBoundary } from "./tail-buffer";
import type { Logger } from "./transport";

/**
 * ACP `terminal/*`: commands an agent runs through the client. Each runs in its own process group,
 * in a directory inside the worktree, with the session's scrubbed environment. Output (stdout and
 * stderr together) is kept up to the agent's `outputByteLimit` and a hard cap, dropping the start,
 * and streamed as batched `terminal_output` events.
 */

export const hardOutputCap = 1024 * 1024;
/** Streamed to the timeline per terminal; after that only the exit is reported. */
const streamCap = 4 * 1024 * 1024;
const flushMs = 50;
const flushBytes = 64 * 1024;
const maxTerminals = 64;
const killGraceMs = 2000;

export type CreateTerminal = {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  cwd?: string | null;
  outputByteLimit?: number | null;
};

export type TerminalExit = { exitCode: number | null; signal: string | null };

export class TerminalError extends Error {
  constructor(
    readonly terminalId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "TerminalError";
  }
}

/** Output kept for `terminal/output`: the newest bytes up to `limit`, cut at a character boundary. */
export class OutputBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.limit) {
      const first = this.chunks[0]!;
      const excess = this.bytes - this.limit;
      this.truncated = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        const cut = charBoundary(first, excess);
        this.chunks[0] = first.subarray(cut);
        this.bytes -= cut;
        if (cut === first.length) this.chunks.shift();
      }
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(charBoundary(all)).toString("utf8");
  }
}

type Terminal = {
  id: string;
  child: GroupChild;
  output: OutputBuffer;
  exit?: TerminalExit;
  exited: Promise<TerminalExit>;
};

/** Where a session's terminals run, what they get, and where their output and problems go. */
export type TerminalPlace = {
  root: string;
  env: Record<string, string>;
  /** The agent's sandbox network setting: its terminals get the same. */
  network?: boolean | undefined;
  /** More folders its commands may write in (setup scripts: the project's cache). */
  writable?: readonly string[] | undefined;
  /** Between SIGTERM and SIGKILL when a command is killed (default 2 s). */
  killGraceMs?: number | undefined;
  /** The agent's sandbox: its terminals run in one of the same kind (the process's when not given). */
  sandbox?: Sandbox | undefined;
  onEvent: (event: TaskEventOf<"terminal_output">) => void;
  log: Logger;
};

export class TerminalManager {
  private terminals = new Map<string, Terminal>();
  private closed = false;

  /** `opts` is read at every request, so its owner may change it (a warm agent bound to its task). */
  constructor(private readonly opts: TerminalPlace) {}

  async create(req: CreateTerminal): Promise<string> {
    if (this.closed) throw new TerminalError(undefined, "The session is closing; no new terminals");
    if (this.terminals.size >= maxTerminals) {
      throw new TerminalError(undefined, `Too many terminals (${maxTerminals}); release some with terminal/release`);
    }
    const cwd = await resolveInside(this.opts.root, req.cwd ?? this.opts.root);
    const cwdStat = await stat(cwd).catch((error: unknown) => {
      throw new TerminalError(undefined, `Working directory "${printablePath(req.cwd ?? "")}" does not exist (${String(error)})`);
    });
    if (!cwdStat.isDirectory()) throw new TerminalError(undefined, `Working directory "${printablePath(req.cwd ?? "")}" is not a directory`);

    // A command named by a relative path (./x, ../y/z) runs from `cwd`: it must be inside too.
    // Bare names are looked up on PATH and absolute paths are taken as given; confinement is of
    // files and directories, a terminal still runs with the user's rights.
    if (!path.isAbsolute(req.command) && req.command.includes("/") && !/\s/.test(req.command.trim())) {
      await resolveInside(this.opts.root, path.join(cwd, req.command));
    }
    const args = req.args ?? [];
    // Agents sometimes send a whole command line as `command`: run that through the shell.
    const [cmd, argv] = args.length === 0 && /\s/.test(req.command.trim()) ? ["/bin/sh", ["-c", req.command]] : [req.command, args];
    const extra = Object.fromEntries((req.env ?? []).map((v) => [v.name, v.value]));
    let child: GroupChild;
    try {
      child = spawnInGroup(cmd, argv, { cwd, root: this.opts.root, network: this.opts.network, writable: this.opts.writable, sandbox: this.opts.sandbox, env: mergeEnv(this.opts.env, extra) });
    } catch (error) {
      if (error instanceof CommandNotRunnableError) throw new TerminalError(undefined, `Cannot run "${req.command}": ${error.message}`);
      throw error;
    }
    await new Promise<void>((resolve, reject) => {
      let started = false;
      child.once("spawn", () => {
        started = true;
        resolve();
      });
      child.on("error", (error) => {
        if (!started) reject(new TerminalError(undefined, `Cannot run "${req.command}": ${error.message}`));
        else this.opts.log.warn("terminal process error", { command: req.command, error: error.message });
      });
    });
    for (const stream of [child.stdin, child.stdout, child.stderr]) {
      stream.on("error", (error) => this.opts.log.warn("terminal pipe error", { command: req.command, error: error.message }));
    }

    const id = `term_${randomUUID()}`;
    const limit = Math.min(hardOutputCap, Math.max(0, req.outputByteLimit ?? hardOutputCap));
    const output = new OutputBuffer(limit);
    const stream = this.streamer(id);
    const decoders = { out: new StringDecoder("utf8"), err: new StringDecoder("utf8") };
    child.stdout.on("data", (chunk: Buffer) => {
      output.append(chunk);
      stream.push(chunk, decoders.out);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output.append(chunk);
      stream.push(chunk, decoders.err);
    });
    child.stdin.end();
    const exited = new Promise<TerminalExit>((resolve) => {
      child.once("exit", (code, signal) => {
        const exit = { exitCode: code, signal };
        terminal.exit = exit;
        // Output already in the pipes arrives right after exit; a background job that keeps the
        // pipes open must not hold the exit up.
        const done = () => {
          stream.finish(exit, decoders.out.end() + decoders.err.end());
          resolve(exit);
        };
        const timer = setTimeout(done, 100);
        child.once("close", () => {
          clearTimeout(timer);
          done();
        });
      });
    });
    const terminal: Terminal = { id, child, output, exited };
    this.terminals.set(id, terminal);
    return id;
  }

  private get(id: string): Terminal {
    const t = this.terminals.get(id);
    if (!t) throw new TerminalError(id, `Unknown terminal "${id}" (never created, or already released)`);
    return t;
  }

  output(id: string): { output: string; truncated: boolean; exitStatus: TerminalExit | null } {
    const t = this.get(id);
    return { output: t.output.text(), truncated: t.output.truncated, exitStatus: t.exit ?? null };
  }

  waitForExit(id: string): Promise<TerminalExit> {
    return this.get(id).exited;
  }

  async kill(id: string): Promise<void> {
    const t = this.get(id);
    if (!t.exit) await terminateGroup(t.child, this.opts.killGraceMs ?? killGraceMs);
  }

  async release(id: string): Promise<void> {
    const t = this.get(id);
    this.terminals.delete(id);
    await terminateGroup(t.child, killGraceMs);
  }

  /** Kills every terminal (session end); no new ones can be created afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.terminals.values()];
    this.terminals.clear();
    const results = await Promise.allSettled(all.map((t) => terminateGroup(t.child, killGraceMs)));
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") this.opts.log.error("could not stop a terminal's processes", { terminalId: all[i]?.id, error: String(r.reason) });
    }
  }

  /** Batches output into terminal_output events: at most every 50 ms or 64 KiB. */
  private streamer(terminalId: string) {
    let pending = "";
    let streamed = 0;
    let capped = false;
    let timer: NodeJS.Timeout | undefined;
    const emit = (event: Omit<TaskEventOf<"terminal_output">, "type" | "terminalId">) => {
      try {
        this.opts.onEvent({ type: "terminal_output", terminalId, ...event });
      } catch (error) {
        this.opts.log.error("terminal output event handler threw", { terminalId, error: String(error) });
      }
    };
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return;
      const data = pending;
      pending = "";
      emit(capped ? { data, truncated: true } : { data });
    };
    return {
      push(chunk: Buffer, decoder: StringDecoder) {
        if (capped) return;
        streamed += chunk.length;
        pending += decoder.write(chunk);
        if (streamed > streamCap) {
          capped = true;
          flush();
        } else if (Buffer.byteLength(pending) >= flushBytes) flush();
        else timer ??= setTimeout(flush, flushMs);
      },
      finish(exit: TerminalExit, rest: string) {
        if (!capped) pending += rest;
        if (timer) clearTimeout(timer);
        timer = undefined;
        const data = pending;
        pending = "";
        emit({ data, exitCode: exit.exitCode, signal: exit.signal, ...(capped ? { truncated: true } : {}) });
      },
    };
  }
}
