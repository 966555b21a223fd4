import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const runnerDir = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A runner as a real child process (`node --import tsx src/main.ts`), for fault tests. `wrap`: a
 * command line to start it under (e.g. bwrap with a folder of this host hidden from it).
 */
export function spawnRunner(
  env: Record<string, string | undefined>,
  wrap: string[] = [],
): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null>; output: () => string } {
  const command = [...wrap, process.execPath, "--import", "tsx", "src/main.ts"];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: runnerDir,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      if (output.includes("runner started")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`runner exited (${code}) before it started:\n${output.slice(-4000)}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}
