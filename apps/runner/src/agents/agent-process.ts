import { RequestError } from "@agentclientprotocol/sdk";
import { setTimeout as sleep } from "node:timers/promises";
import { bwrapExecFailure, commandProblem } from "../processes/command";
import { spawnInGroup, spawnRecord, type GroupChild } from "../processes/spawn";
import { agentExitOfBwrap, type Sandbox } from "../sandbox";
import { terminateGroup } from "../processes/terminate";
import { stdioStream, type StdioStream } from "./stdio-stream";
import { TailBuffer } from "./tail-buffer";
import { AgentError, type AgentErrorStage, type AgentExit, type AgentSpec, type Logger } from "./transport";

/** The AgentError for a command that could not start, with the sandbox on or off. */
export function spawnError(spec: AgentSpec, error: NodeJS.ErrnoException, stderrTail = ""): AgentError {
  return new AgentError({ agentName: spec.name, stage: "spawn", what: commandProblem(spec.command, error.code, error.message), stderrTail, cause: error });
}

/**
 * One agent process: its stdio as an ACP stream, the tail of its stderr, and the ways it can
 * fail (could not start, exited, wrote garbage, closed stdout). Every wait on the agent goes
 * through `guard`, which rejects with an AgentError as soon as any of those happens.
 */

export type Failure =
  | { kind: "spawn"; error: NodeJS.ErrnoException }
  | { kind: "exit"; exit: AgentExit }
  | { kind: "garbage"; line: string; why: string }
  | { kind: "stdout_closed" }
  | { kind: "closed" };

const stderrBytes = 8192;
/** After exit, how long buffered output may take to drain (a background child may hold the pipe). */
const drainMs = 200;

export class AgentProcess {
  readonly child: GroupChild;
  readonly io: StdioStream;
  readonly exited: Promise<AgentExit>;
  private readonly stderr = new TailBuffer(stderrBytes);
  private failure: Failure | undefined;
  private readonly listeners = new Set<(failure: Failure) => void>();
  /** The sandbox it runs in (its terminals get one of the same kind); the process's when undefined. */
  readonly sandbox: Sandbox | undefined;
  /** Sees every incoming message first; set by the session. */
  interceptor: (message: Record<string, unknown>) => boolean = () => false;

  constructor(
    readonly spec: AgentSpec,
    cwd: string,
    env: Record<string, string>,
    private readonly log: Logger,
    placement: { repository?: string | undefined; sandbox?: Sandbox | undefined } = {},
  ) {
    this.sandbox = placement.sandbox;
    this.child = spawnInGroup(spec.command, spec.args, { cwd, env, network: spec.network, repository: placement.repository, sandbox: placement.sandbox });
    const child = this.child;
    child.stderr.on("data", (chunk: Buffer) => this.stderr.write(chunk));
    child.stdin.on("error", (error) => log.warn("writing to the agent failed", { agent: spec.name, error: error.message }));
    child.stdout.on("error", (error) => log.warn("reading the agent's output failed", { agent: spec.name, error: error.message }));
    child.stderr.on("error", (error) => log.warn("reading the agent's stderr failed", { agent: spec.name, error: error.message }));
    this.io = stdioStream(child.stdin, child.stdout, {
      intercept: (message) => this.interceptor(message),
      onGarbage: (line, why) => {
        this.fail({ kind: "garbage", line, why });
        void this.killAfterFailure();
      },
    });

    const ended = (stream: NodeJS.ReadableStream) =>
      new Promise<void>((resolve) => {
        stream.once("end", resolve);
        stream.once("close", resolve);
      });
    const stdoutEnded = ended(child.stdout);
    const stderrEnded = ended(child.stderr);
    this.exited = new Promise<AgentExit>((resolve) => {
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) {
          log.warn("agent process error", { agent: spec.name, error: error.message });
          return;
        }
        this.fail({ kind: "spawn", error });
        resolve({ code: null, signal: null, stderrTail: "" });
        this.io.end();
      });
      child.once("exit", (rawCode, rawSignal) => {
        // In the sandbox the spawned process is bwrap, which reports the agent's signal as 128 + N.
        const { code, signal } = spawnRecord(child)?.sandboxed ? agentExitOfBwrap(rawCode, rawSignal) : { code: rawCode, signal: rawSignal };
        void Promise.race([Promise.all([stdoutEnded, stderrEnded]), sleep(drainMs)]).then(() => {
          const exit = { code, signal, stderrTail: this.stderr.text() };
          this.fail({ kind: "exit", exit });
          resolve(exit);
          this.io.end();
        });
      });
    });
    // An agent that closes stdout but keeps running can no longer answer: stop it.
    void stdoutEnded.then(async () => {
      const exitedSoon = await Promise.race([this.exited.then(() => true), sleep(1000).then(() => false)]);
      if (!exitedSoon && this.child.exitCode === null && this.child.signalCode === null) {
        this.fail({ kind: "stdout_closed" });
        await this.killAfterFailure();
      }
    });
  }

  get stderrTail(): string {
    return this.stderr.text();
  }

  get failed(): Failure | undefined {
    return this.failure;
  }

  /** Records the first failure and tells every waiter; later ones are ignored. */
  fail(failure: Failure): void {
    if (this.failure) return;
    this.failure = failure;
    for (const listener of [...this.listeners]) listener(failure);
  }

  /** Calls `listener` on failure (asynchronously if it already happened); returns an unsubscribe. */
  onFailure(listener: (failure: Failure) => void): () => void {
    const failure = this.failure;
    if (failure) {
      let active = true;
      queueMicrotask(() => active && listener(failure));
      return () => {
        active = false;
      };
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async killAfterFailure(): Promise<void> {
    try {
      await terminateGroup(this.child, 1000);
    } catch (error) {
      this.log.error("could not stop the agent's processes", { agent: this.spec.name, error: String(error) });
    }
  }

  /** The AgentError for the recorded failure, seen from `stage`. */
  errorFor(stage: AgentErrorStage, failure: Failure): AgentError {
    const agentName = this.spec.name;
    const stderrTail = this.stderr.text();
    switch (failure.kind) {
      case "spawn":
        return spawnError(this.spec, failure.error, stderrTail);
      case "exit": {
        // bubblewrap could not run the command (it changed after the check in spawn.ts).
        const bwrap = failure.exit.code === 1 ? bwrapExecFailure(failure.exit.stderrTail) : null;
        if (bwrap) return new AgentError({ agentName, stage: "spawn", what: commandProblem(this.spec.command, bwrap.code, ""), stderrTail });
        const what = {
          spawn: "exited at once",
          initialize: "exited before answering initialize",
          session: "exited while starting its session",
          prompt: "exited in the middle of a turn",
          protocol: "exited",
        }[stage];
        return new AgentError({ agentName, stage, what, exit: failure.exit });
      }
      case "garbage":
        return new AgentError({
          agentName,
          stage: "protocol",
          what: `wrote something that is not ACP to its standard output (${failure.why}): ${JSON.stringify(failure.line)}. An ACP agent may write only JSON-RPC messages there; check that the command starts it in ACP mode and that it logs to stderr`,
          stderrTail,
        });
      case "stdout_closed":
        return new AgentError({ agentName, stage: "protocol", what: "closed its standard output but kept running", stderrTail });
      case "closed":
        return new AgentError({ agentName, stage, what: "was stopped before it finished", stderrTail });
    }
  }

  /**
   * Waits for `promise`, unless the agent fails first or `timeout` passes. A JSON-RPC error
   * answer from the agent rejects with the RequestError itself, for the caller to explain.
   */
  guard<T>(
    promise: Promise<T>,
    stage: AgentErrorStage,
    timeout?: { ms: number; what: string },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let off = () => {};
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        off();
        if (timer) clearTimeout(timer);
        settle();
      };
      off = this.onFailure((failure) => finish(() => reject(this.errorFor(stage, failure))));
      if (timeout) {
        timer = setTimeout(() => {
          finish(() =>
            reject(new AgentError({ agentName: this.spec.name, stage, what: timeout.what, stderrTail: this.stderr.text() })),
          );
        }, timeout.ms);
      }
      promise.then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => {
          if (error instanceof RequestError) {
            finish(() => reject(error));
            return;
          }
          const failure = this.failure;
          if (failure) {
            finish(() => reject(this.errorFor(stage, failure)));
            return;
          }
          // The connection closed first; the reason (exit, garbage) normally follows at once.
          setTimeout(() => {
            finish(() =>
              reject(
                new AgentError({
                  agentName: this.spec.name,
                  stage,
                  what: `stopped answering (${error instanceof Error ? error.message : String(error)})`,
                  stderrTail: this.stderr.text(),
                  cause: error,
                }),
              ),
            );
          }, 2 * drainMs);
        },
      );
    });
  }
}
