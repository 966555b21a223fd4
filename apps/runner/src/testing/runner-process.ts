import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const runnerDir = fileURLToPath(new URL("../..", import.meta.url));

/** The command that starts a runner from its sources (run in `runnerDir`). */
export const runnerCommand = [process.execPath, "--import", "tsx", "src/main.ts"];

export type RunnerProcess = { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; output: () => string };

/**
 * A runner as a real child process (`node --import tsx src/main.ts`), for fault tests. `wrap`: a
 * command line to start it under (e.g. bwrap with a folder of this host hidden from it).
 */
export function spawnRunner(env: Record<string, string | undefined>, wrap: string[] = []): RunnerProcess {
  const command = [...wrap, ...runnerCommand];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: runnerDir,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watchRunner(child);
}

/** Follows a runner process's output: `ready` once it says it started, rejected if it exits first. */
export function watchRunner(child: ChildProcess): RunnerProcess {
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      if (output.includes("runner started")) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`runner exited (${code}) before it started:\n${output.slice(-4000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}
