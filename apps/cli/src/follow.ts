import readline from "node:readline/promises";
import { errorKind, restingStates, taskEvents, unsuccessfulStates, type LiveTaskEvent, type PermissionOption, type TaskState, type WharfClient } from "@wharf/client";
import type { Style } from "./style.ts";
import { TimelineView } from "./timeline.ts";

type Requested = Extract<LiveTaskEvent["event"], { type: "permission"; phase: "requested" }>;

export type FollowOptions = {
  client: WharfClient;
  taskId: string;
  json: boolean;
  /** Ask the person at the terminal to answer permission requests. */
  interactive: boolean;
  style: Style;
};

/** Exit code of a followed task: 1 when it failed or was cancelled, else 0. */
function stateExitCode(state: TaskState): number {
  return (unsuccessfulStates as readonly TaskState[]).includes(state) ? 1 : 0;
}

/**
 * Prints a task's timeline (or its events as JSON lines) from the start until it rests (review or
 * a final state) and returns the exit code. In a terminal, permission requests that are still open
 * are asked at the prompt; an answer given elsewhere first withdraws the question.
 */
export async function followTask(opts: FollowOptions): Promise<number> {
  const { client, taskId, style } = opts;
  const start = await client.task.get.query({ id: taskId });
  const view = new TimelineView({ out: process.stdout, style, spinner: opts.interactive && !opts.json });
  const stop = new AbortController();
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    stop.abort();
  };
  process.on("SIGINT", interrupt);

  const pending = new Map<string, Requested>();
  // Held in an object: it changes inside callbacks, which narrowing does not see.
  const current: { asking: { requestId: string; abort: AbortController } | null } = { asking: null };
  let state: TaskState = start.state;
  let caughtUp = start.lastSeq === 0;

  const askNext = () => {
    if (!opts.interactive || opts.json || current.asking || !caughtUp || stop.signal.aborted) return;
    const next = pending.values().next();
    if (next.done) return;
    const request = next.value;
    const abort = new AbortController();
    current.asking = { requestId: request.requestId, abort };
    ask({ client, request, style, view, signal: abort.signal, onInterrupt: interrupt }).then(
      () => {
        current.asking = null;
        pending.delete(request.requestId);
        askNext();
      },
      (error: unknown) => {
        current.asking = null;
        view.line(style.red(`Could not answer the permission request: ${(error as Error).message}`));
      },
    );
  };

  try {
    let connected = false;
    let lost = false;
    const onConnection = (connection: "connecting" | "pending" | "idle", error: Error | null) => {
      if (connection === "pending") {
        if (lost && !opts.json) view.line(style.dim("  reconnected"));
        connected = true;
        lost = false;
      } else if (connection === "connecting" && connected && error && !lost) {
        lost = true;
        if (!opts.json) view.line(style.dim(`  connection lost (${error.message}); reconnecting…`));
      }
    };
    for await (const item of taskEvents(client, taskId, { signal: stop.signal, onConnection })) {
      if (opts.json) process.stdout.write(`${JSON.stringify(item)}\n`);
      else view.event(item);
      const { event } = item;
      if (event.type === "status") state = event.state;
      if (event.type === "permission") {
        if (event.phase === "requested") pending.set(event.requestId, event);
        else {
          pending.delete(event.requestId);
          if (current.asking?.requestId === event.requestId) current.asking.abort.abort();
        }
      }
      if (item.seq >= start.lastSeq) caughtUp = true;
      if (caughtUp && (restingStates as readonly TaskState[]).includes(state)) break;
      askNext();
    }
  } finally {
    process.off("SIGINT", interrupt);
    current.asking?.abort.abort();
    view.close();
  }
  if (interrupted) return 130;
  return stateExitCode(state);
}

async function ask(opts: {
  client: WharfClient;
  request: Requested;
  style: Style;
  view: TimelineView;
  signal: AbortSignal;
  onInterrupt: () => void;
}): Promise<void> {
  const { request, style, view } = opts;
  view.pause();
  const choices = request.options.map((o, i) => `${style.bold(String(i + 1))}) ${optionLabel(o, style)}`).join("  ");
  process.stdout.write(`${style.yellow("?")} ${style.bold(request.title ?? "Permission")} — ${choices}\n`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  rl.on("SIGINT", opts.onInterrupt);
  try {
    while (!opts.signal.aborted) {
      let answer: string;
      try {
        answer = (await rl.question(`Answer [1-${request.options.length}]: `, { signal: opts.signal })).trim();
      } catch (error) {
        if (opts.signal.aborted) {
          process.stdout.write(`\n${style.dim("  (answered elsewhere)")}\n`);
          return;
        }
        throw error;
      }
      const option = pick(request.options, answer);
      if (!option) {
        process.stdout.write(style.red(`  "${answer}" is not one of the options; type a number from 1 to ${request.options.length}.\n`));
        continue;
      }
      try {
        await opts.client.permission.respond.mutate({ requestId: request.requestId, optionId: option.optionId });
      } catch (error) {
        if (errorKind(error) !== "conflict") throw error;
        process.stdout.write(style.dim(`  ${(error as Error).message}\n`));
      }
      return;
    }
  } finally {
    rl.close();
    view.resume();
  }
}

function optionLabel(option: PermissionOption, style: Style): string {
  return option.kind.startsWith("allow") ? style.green(option.name) : style.red(option.name);
}

/** An answer: the option's number, its id, or its name (any case). */
function pick(options: PermissionOption[], answer: string): PermissionOption | undefined {
  const index = Number(answer);
  if (Number.isInteger(index) && index >= 1 && index <= options.length) return options[index - 1];
  const lower = answer.toLowerCase();
  return options.find((o) => o.optionId.toLowerCase() === lower || o.name.toLowerCase() === lower);
}
